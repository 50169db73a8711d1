import type { PipelineRuntime } from '../pipeline/runtime.ts'
import { tableNotFound } from '../services/tables/errors.ts'
import type { TableDefinition } from '../services/tables/keys.ts'
import { TableService } from '../services/tables/table-service.ts'
import { TablesToken } from '../services/tokens.ts'
import type { StateStore } from '../storage/state/state-store.ts'
import type { DashboardTables } from './source.ts'

/**
 * The Tables panel's view of a running pipeline's tables: table services over the same state
 * store the handlers' bindings write, so the panel reads exactly what the handlers see.
 */
export function runtimeTables(runtime: PipelineRuntime): DashboardTables {
  // Every table of the current build: declared ones, and those created through the DynamoDB API.
  return tableReader(runtime.engine.state, () =>
    Object.fromEntries([...(runtime.offered(TablesToken) ?? [])].map(([name, t]) => [name, t.definition])),
  )
}

/**
 * Reads the tables `definitions()` names from `store`, opening them again whenever the
 * definitions change (a reload).
 */
export function tableReader(
  store: StateStore,
  definitions: () => Readonly<Record<string, TableDefinition>>,
): DashboardTables {
  let open: { key: string; tables: Map<string, TableService> } | undefined
  const tables = () => {
    const current = definitions()
    const key = JSON.stringify(current)
    if (open?.key !== key) {
      const services = Object.entries(current).map(
        ([name, t]) => [name, new TableService(store, name, t)] as const,
      )
      open = { key, tables: new Map(services) }
    }
    return open.tables
  }
  const table = (name: string) => {
    const found = tables().get(name)
    if (!found) throw tableNotFound()
    return found
  }
  return {
    list: () =>
      [...tables().values()].map((t) => ({
        name: t.name,
        partitionKey: t.definition.partitionKey,
        ...(t.definition.sortKey === undefined ? {} : { sortKey: t.definition.sortKey }),
        itemCount: t.count(),
      })),
    scan: (name, options) => table(name).scan(options),
    query: (name, options) => table(name).query(options),
    get: (name, key) => table(name).get(key),
  }
}
