import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { tempDir } from '../../helpers/tmp.ts'

async function open(): Promise<StateStore> {
  const store = StateStore.open(join(await tempDir(), 'state.db'))
  onTestFinished(() => store.close())
  store.db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)')
  return store
}

const synchronous = (store: StateStore) => store.db.pragma('synchronous', { simple: true })
const value = (store: StateStore, k: string) =>
  (store.db.prepare('SELECT v FROM t WHERE k = ?').get(k) as { v: number } | undefined)?.v

describe('relaxed commits', () => {
  it('are visible at once, leave every other commit at synchronous = FULL, and become durable', async () => {
    const store = await open()
    const insert = store.db.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    expect(synchronous(store)).toBe(2)
    expect(store.commitRelaxed(() => insert.run('a', 1).changes)).toBe(1)
    expect(value(store, 'a')).toBe(1)
    expect(synchronous(store)).toBe(2)
    await store.durable()
    // Nothing written since: durable at once.
    await store.durable()
  })

  it('restore synchronous when the write throws', async () => {
    const store = await open()
    const insert = store.db.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    insert.run('a', 1)
    expect(() => store.commitRelaxed(() => insert.run('a', 2))).toThrow(/UNIQUE/)
    expect(synchronous(store)).toBe(2)
    expect(value(store, 'a')).toBe(1)
  })

  it('inside a transaction are part of it', async () => {
    const store = await open()
    const insert = store.db.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    expect(() =>
      store.transaction(() => {
        store.commitRelaxed(() => insert.run('a', 1))
        throw new Error('abort')
      }),
    ).toThrow('abort')
    expect(value(store, 'a')).toBeUndefined()
  })

  it('in an in-memory store are plain commits', async () => {
    const store = StateStore.open(':memory:')
    onTestFinished(() => store.close())
    store.db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)')
    store.commitRelaxed(() => store.db.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('a', 1))
    expect(value(store, 'a')).toBe(1)
    await store.durable()
  })
})
