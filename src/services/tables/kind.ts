import { defineKind } from '../../kind/kind.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { TableRegistryToken, TablesToken } from '../tokens.ts'
import { createTableBindings } from './bindings.ts'
import { type TableConfig, tableSchema } from './definition.ts'
import type { IndexDefinition, TableDefinition } from './keys.ts'
import { TableRegistry } from './registry.ts'
import { TtlSweeper } from './ttl-sweeper.ts'

/** DynamoDB tables: items in the state store, served to handlers through `table(name)`. */
export const tableKind = defineKind({
  kind: 'table',
  section: 'tables',
  noun: ['table', 'tables'],
  title: 'DynamoDB tables',
  layout: 'named',
  schema: tableSchema,
  synth: async () => (await import('./synth.ts')).tableSynth,
  build(ctx, tables) {
    // The declared tables, and those created through the DynamoDB API (kept in the state store).
    const registry = new TableRegistry(
      ctx.need(StateStoreToken),
      Object.fromEntries(tables.map(({ name, config }) => [name, tableDefinition(config)])),
      () => ctx.clock.now(),
    )
    ctx.serveBinding('table', createTableBindings(registry.tables))
    ctx.offer(TablesToken, registry.tables)
    ctx.offer(TableRegistryToken, registry)
    const sweeper = new TtlSweeper(registry, ctx.clock)
    return { tables: registry.tables, start: () => sweeper.start(), stop: () => sweeper.stop() }
  },
})

/** A declared table's key schema, types and indexes as the table service takes them. */
export function tableDefinition(config: TableConfig): TableDefinition {
  const definition: TableDefinition = { partitionKey: config.partitionKey }
  if (config.sortKey !== undefined) definition.sortKey = config.sortKey
  if (config.attributeTypes !== undefined) definition.attributeTypes = config.attributeTypes
  if (config.timeToLiveAttribute !== undefined) definition.timeToLiveAttribute = config.timeToLiveAttribute
  if (config.indexes !== undefined) {
    definition.secondaryIndexes = Object.entries(config.indexes).map(([name, index]): IndexDefinition => {
      const { projection } = index
      const out: IndexDefinition = {
        name,
        global: index.type === 'global',
        partitionKey: index.partitionKey ?? config.partitionKey,
        projection:
          typeof projection === 'string'
            ? { type: projection }
            : { type: 'INCLUDE', nonKeyAttributes: projection.include },
      }
      if (index.sortKey !== undefined) out.sortKey = index.sortKey
      return out
    })
  }
  return definition
}
