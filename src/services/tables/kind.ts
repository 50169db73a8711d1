import { defineKind } from '../../kind/kind.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { TablesToken } from '../tokens.ts'
import { createTableBindings, openTables } from './bindings.ts'
import { tableSchema } from './definition.ts'

/** DynamoDB tables: items in the state store, served to handlers through `table(name)`. */
export const tableKind = defineKind({
  kind: 'table',
  section: 'tables',
  noun: ['table', 'tables'],
  title: 'DynamoDB tables',
  layout: 'named',
  schema: tableSchema,
  build(ctx, tables) {
    const services = openTables(
      ctx.need(StateStoreToken),
      Object.fromEntries(
        tables.map(({ name, config }) => [
          name,
          { partitionKey: config.partitionKey, sortKey: config.sortKey },
        ]),
      ),
    )
    ctx.serveBinding('table', createTableBindings(services))
    ctx.offer(TablesToken, services)
    return { tables: services }
  },
})
