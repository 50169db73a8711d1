import type { Changes, QueryOptions, TableKey } from '../../bindings/index.ts'
import type { BindingCall } from '../../contracts/functions.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { TableError, tableNotFound } from './errors.ts'
import type { TableDefinition } from './keys.ts'
import { TableService, type WriteOptions } from './table-service.ts'

type Method = (table: TableService, args: unknown[]) => unknown

/** The handler-facing `table(name)` methods (tributary-pipeline/bindings), by name. */
const METHODS: Readonly<Record<string, Method>> = {
  get: (t, [key]) => t.get(key as TableKey),
  put: (t, [item, options]) => t.put(item as Record<string, unknown>, options as WriteOptions),
  update: (t, [key, changes, options]) =>
    t.update(key as TableKey, changes as Changes, options as WriteOptions),
  delete: (t, [key, options]) => t.delete(key as TableKey, options as WriteOptions),
  query: (t, [options]) => t.query(options as QueryOptions),
}

/** Opens a TableService for each table of a pipeline definition. */
export function openTables(
  store: StateStore,
  definitions: Readonly<Record<string, TableDefinition>>,
): Map<string, TableService> {
  return new Map(Object.entries(definitions).map(([name, def]) => [name, new TableService(store, name, def)]))
}

/**
 * Serves `table(name)` binding calls from handlers. Results are plain JSON data and errors carry
 * DynamoDB's exception `name` and message, so both survive the trip back to the worker.
 * `tables` is read on every call: a reload may replace its entries.
 *
 * @example
 * const serveTable = createTableBindings(openTables(store, { devices: { partitionKey: 'id' } }))
 * await serveTable({ service: 'table', resource: 'devices', method: 'get', args: [{ id: 'd-1' }] })
 */
export function createTableBindings(
  tables: ReadonlyMap<string, TableService>,
): (call: BindingCall) => Promise<unknown> {
  return async (call) => {
    if (call.service !== 'table') {
      throw new TableError('UnknownOperationException', `service '${call.service}' is not a table binding`)
    }
    const table = tables.get(call.resource)
    if (!table) throw tableNotFound()
    const method = Object.hasOwn(METHODS, call.method) ? METHODS[call.method] : undefined
    if (!method) {
      throw new TableError('UnknownOperationException', `tables have no method '${call.method}'`)
    }
    return method(table, Array.isArray(call.args) ? call.args : [])
  }
}
