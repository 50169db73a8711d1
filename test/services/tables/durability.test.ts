import { describe, expect, it } from 'vitest'
import { createTableBindings, TableService } from '../../../src/services/tables/index.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { errorOf, openStore, openTable } from './helpers.ts'

describe('atomic conditional writes', () => {
  it('lets exactly one of many concurrent put-if-absent calls win', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    const serve = createTableBindings(new Map([['locks', table]]))
    const attempts = Array.from({ length: 50 }, (_, i) =>
      serve({
        service: 'table',
        resource: 'locks',
        method: 'put',
        args: [{ id: 'lock', owner: i }, { condition: { exists: false } }],
      }),
    )
    const results = await Promise.allSettled(attempts)
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
    expect(won).toHaveLength(1)
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => r.reason.name === 'ConditionalCheckFailedException'),
    ).toBe(true)
    expect(table.get({ id: 'lock' })).toEqual({ id: 'lock', owner: won[0] })
  })

  it('counts every one of many concurrent ADDs', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    const serve = createTableBindings(new Map([['counters', table]]))
    await Promise.all(
      Array.from({ length: 200 }, () =>
        serve({
          service: 'table',
          resource: 'counters',
          method: 'update',
          args: [{ id: 'c' }, { add: { n: 1 } }],
        }),
      ),
    )
    expect(table.get({ id: 'c' })).toEqual({ id: 'c', n: 200 })
  })

  it('an optimistic-locking loop never loses an update', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'doc', version: 0, log: [] })
    const serve = createTableBindings(new Map([['docs', table]]))
    const call = (method: string, ...args: unknown[]) =>
      serve({ service: 'table', resource: 'docs', method, args })
    // Each writer reads, then writes conditioned on the version it read; on conflict it retries.
    const writer = async (name: string) => {
      for (;;) {
        const doc = (await call('get', { id: 'doc' })) as { version: number; log: string[] }
        try {
          await call(
            'put',
            { id: 'doc', version: doc.version + 1, log: [...doc.log, name] },
            { condition: { equals: { version: doc.version } } },
          )
          return
        } catch (e) {
          if ((e as Error).name !== 'ConditionalCheckFailedException') throw e
        }
      }
    }
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(writer))
    const doc = table.get({ id: 'doc' })!
    expect(doc.version).toBe(5)
    expect([...(doc.log as string[])].sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('sees writes made through another connection to the same state file', async () => {
    const { store, path } = await openStore()
    const second = StateStore.open(path)
    try {
      const a = new TableService(store, 'shared', { partitionKey: 'id' })
      const b = new TableService(second, 'shared', { partitionKey: 'id' })
      a.put({ id: 'x', by: 'a' }, { condition: { exists: false } })
      expect(await errorOf(() => b.put({ id: 'x', by: 'b' }, { condition: { exists: false } }))).toEqual({
        name: 'ConditionalCheckFailedException',
        message: 'The conditional request failed',
      })
      expect(b.update({ id: 'x' }, { set: { seen: true } })).toEqual({ id: 'x', by: 'a', seen: true })
      expect(a.get({ id: 'x' })).toEqual({ id: 'x', by: 'a', seen: true })
    } finally {
      second.close()
    }
  })

  it('leaves the item untouched when an update fails after its condition held', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'x', n: 'text', ok: 1 })
    expect(
      (
        await errorOf(() =>
          table.update({ id: 'x' }, { set: { ok: 2 }, add: { n: 1 } }, { condition: { exists: true } }),
        )
      ).name,
    ).toBe('ValidationException')
    expect(table.get({ id: 'x' })).toEqual({ id: 'x', n: 'text', ok: 1 })
  })
})

describe('durability', () => {
  it('keeps every acknowledged write across a restart', async () => {
    const { store, path } = await openStore()
    const before = new TableService(store, 'devices', { partitionKey: 'device', sortKey: 'at' })
    for (let at = 1; at <= 5; at++) before.put({ device: 'd-1', at, reading: at * 10 })
    before.update({ device: 'd-1', at: 3 }, { add: { reading: 1 }, set: { flagged: true } })
    before.delete({ device: 'd-1', at: 5 })
    store.close()

    const reopened = StateStore.open(path)
    try {
      const after = new TableService(reopened, 'devices', { partitionKey: 'device', sortKey: 'at' })
      expect(after.count()).toBe(4)
      expect(after.get({ device: 'd-1', at: 3 })).toEqual({
        device: 'd-1',
        at: 3,
        reading: 31,
        flagged: true,
      })
      expect(after.query({ partitionKey: 'd-1', scanForward: false }).items.map((i) => i.at)).toEqual([
        4, 3, 2, 1,
      ])
    } finally {
      reopened.close()
    }
  })

  it('refuses to reopen a table with different keys while it holds items', async () => {
    const { store } = await openStore()
    new TableService(store, 'devices', { partitionKey: 'id' }).put({ id: 'a', sk: 1 })
    expect(() => new TableService(store, 'devices', { partitionKey: 'id', sortKey: 'sk' })).toThrowError(
      "table 'devices' holds 1 item keyed by partition key 'id' and no sort key; its keys cannot change to " +
        "partition key 'id' and sort key 'sk'. Rename the table, or delete its items",
    )
    expect(TableService.drop(store, 'devices')).toBe(1)
    const rekeyed = new TableService(store, 'devices', { partitionKey: 'id', sortKey: 'sk' })
    expect(rekeyed.count()).toBe(0)
  })

  it('lets an empty table change its keys', async () => {
    const { store } = await openStore()
    new TableService(store, 't', { partitionKey: 'a' })
    expect(() => new TableService(store, 't', { partitionKey: 'b', sortKey: 'c' })).not.toThrow()
  })

  it.each([
    [{ partitionKey: '' }, "table 't': partitionKey must be an attribute name of 1-255 bytes"],
    [{ partitionKey: 'x'.repeat(256) }, "table 't': partitionKey must be an attribute name of 1-255 bytes"],
    [
      { partitionKey: 'id', sortKey: 'id' },
      "table 't': sortKey must be an attribute name of 1-255 bytes, other than the partition key",
    ],
  ])('refuses the definition %j', async (def, message) => {
    const { store } = await openStore()
    expect(() => new TableService(store, 't', def)).toThrowError(message)
  })
})
