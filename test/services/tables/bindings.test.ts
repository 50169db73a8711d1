import { describe, expect, it } from 'vitest'
import { table } from '../../../src/bindings/index.ts'
import { createTableBindings, openTables } from '../../../src/services/tables/index.ts'
import { installHost } from '../../helpers/binding-host.ts'
import { errorOf, openStore } from './helpers.ts'

describe('table bindings', () => {
  it('serves the handler-facing table() API end to end', async () => {
    const { store } = await openStore()
    installHost(
      createTableBindings(openTables(store, { readings: { partitionKey: 'device', sortKey: 'at' } })),
    )
    const readings = table<{ device: string; at: number; value?: number; count?: number }>('readings')

    await readings.put({ device: 'd-1', at: 1, value: 10 })
    await readings.put({ device: 'd-1', at: 2, value: 20 })
    expect(await readings.get({ device: 'd-1', at: 1 })).toEqual({ device: 'd-1', at: 1, value: 10 })
    expect(await readings.get({ device: 'd-9', at: 1 })).toBeUndefined()
    expect(await readings.update({ device: 'd-1', at: 2 }, { add: { count: 1 } })).toEqual({
      device: 'd-1',
      at: 2,
      value: 20,
      count: 1,
    })
    expect(await readings.query({ partitionKey: 'd-1', limit: 1 })).toEqual({
      items: [{ device: 'd-1', at: 1, value: 10 }],
      lastKey: { device: 'd-1', at: 1 },
    })
    await readings.delete({ device: 'd-1', at: 1 })
    expect((await readings.query({ partitionKey: 'd-1' })).items.map((i) => i.at)).toEqual([2])
  })

  it('rejects with DynamoDB error names a handler can test', async () => {
    const { store } = await openStore()
    installHost(createTableBindings(openTables(store, { devices: { partitionKey: 'id' } })))
    await table('devices').put({ id: 'a' })
    expect(await errorOf(() => table('devices').put({ id: 'a' }, { condition: { exists: false } }))).toEqual({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
    })
    expect(await errorOf(() => table('devices').get({ nope: 'a' }))).toEqual({
      name: 'ValidationException',
      message: 'The provided key element does not match the schema',
    })
    expect(await errorOf(() => table('missing').get({ id: 'a' }))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
    })
  })

  it.each([
    [{ service: 'table', resource: 'devices', method: 'scan', args: [] }, "tables have no method 'scan'"],
    [
      { service: 'table', resource: 'devices', method: 'constructor', args: [] },
      "tables have no method 'constructor'",
    ],
    [
      { service: 'queue', resource: 'devices', method: 'get', args: [] },
      "service 'queue' is not a table binding",
    ],
  ])('refuses %j', async (call, message) => {
    const { store } = await openStore()
    const serve = createTableBindings(openTables(store, { devices: { partitionKey: 'id' } }))
    expect(await errorOf(() => serve(call))).toEqual({ name: 'UnknownOperationException', message })
  })

  it('reads the table map on every call, so a reload can replace tables', async () => {
    const { store } = await openStore()
    const tables = openTables(store, {})
    const serve = createTableBindings(tables)
    const get = { service: 'table', resource: 'late', method: 'get', args: [{ id: 'a' }] }
    expect((await errorOf(() => serve(get))).name).toBe('ResourceNotFoundException')
    for (const [name, t] of openTables(store, { late: { partitionKey: 'id' } })) tables.set(name, t)
    expect(await serve(get)).toBeUndefined()
  })
})
