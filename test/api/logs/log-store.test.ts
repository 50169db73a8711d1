import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { LogStore } from '../../../src/monitor/logs/log-store.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { ManualClock } from '../../../src/util/clock.ts'

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'log-store-'))
  const store = StateStore.open(join(dir, 'state.db'))
  onTestFinished(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const clock = new ManualClock(Date.UTC(2026, 11, 6))
  return { store, clock, logs: new LogStore({ store, clock }) }
}

/** Rows written to SQLite so far, read without flushing. */
const written = (store: StateStore) =>
  (store.db.prepare('SELECT COUNT(*) AS n FROM log_events').get() as { n: number }).n

describe('LogStore batches', () => {
  it('writes lines in batches: after 200 ms on its clock, or at once past 500 lines', () => {
    const { store, clock, logs } = open()
    let batches = 0
    logs.onFlush(() => batches++)
    for (let i = 0; i < 3; i++) logs.append('/aws/lambda/f', 's', clock.now(), `line ${i}`)
    expect(written(store)).toBe(0)
    clock.advance(199)
    expect(written(store)).toBe(0)
    clock.advance(1)
    expect(written(store)).toBe(3)
    expect(batches).toBe(1)
    for (let i = 0; i < 500; i++) logs.append('/aws/lambda/f', 's', clock.now(), `more ${i}`)
    expect(written(store)).toBe(503)
    expect(batches).toBe(2)
  })

  it('keeps the order lines were appended in, across streams and many-row inserts', () => {
    const { logs, clock } = open()
    for (let i = 0; i < 1234; i++) logs.append('/aws/lambda/f', i % 3 ? 'a' : 'b', clock.now(), `m${i}`)
    const { events } = logs.events('/aws/lambda/f', { limit: 2000 })
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 1234 }, (_, i) => `m${i}`))
    const b = logs.events('/aws/lambda/f', { limit: 2000, streams: ['b'] }).events
    expect(b.map((e) => e.message)).toEqual(Array.from({ length: 412 }, (_, i) => `m${i * 3}`))
    expect(logs.position()).toBe(Number(events.at(-1)!.eventId))
  })
})
