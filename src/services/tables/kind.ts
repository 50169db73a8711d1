import { defineKind } from '../../kind/kind.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { TableRegistryToken, TablesToken } from '../tokens.ts'
import { createTableBindings } from './bindings.ts'
import { tableSchema } from './definition.ts'
import { TableRegistry } from './registry.ts'

/** DynamoDB tables: items in the state store, served to handlers through `table(name)`. */
export const tableKind = defineKind({
  kind: 'table',
  section: 'tables',
  noun: ['table', 'tables'],
  title: 'DynamoDB tables',
  layout: 'named',
  schema: tableSchema,
  build(ctx, tables) {
    // The declared tables, and those created through the DynamoDB API (kept in the state store).
    const registry = new TableRegistry(
      ctx.need(StateStoreToken),
      Object.fromEntries(
        tables.map(({ name, config }) => [
          name,
          { partitionKey: config.partitionKey, sortKey: config.sortKey },
        ]),
      ),
      () => ctx.clock.now(),
    )
    ctx.serveBinding('table', createTableBindings(registry.tables))
    ctx.offer(TablesToken, registry.tables)
    ctx.offer(TableRegistryToken, registry)
    return { tables: registry.tables }
  },
})
