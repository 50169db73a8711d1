import type { TableService } from '../../services/tables/table-service.ts'
import { defineOperation } from '../operation.ts'
import { notFound, TABLE_NAME, tableArn, tableNameOf, wire } from './common.ts'

/**
 * A key attribute's type: the tables declare key names only (values may be S or N), so the
 * type is read off a stored item, S when the table is empty.
 */
function attributeTypes(table: TableService): Record<string, 'S' | 'N'> {
  const [first] = wire(() => table.scan({ limit: 1 })).items
  const { partitionKey, sortKey } = table.definition
  const typeOf = (name: string) => (typeof first?.[name] === 'number' ? 'N' : 'S')
  const types: Record<string, 'S' | 'N'> = { [partitionKey]: typeOf(partitionKey) }
  if (sortKey !== undefined) types[sortKey] = typeOf(sortKey)
  return types
}

export const listTables = defineOperation({
  name: 'ListTables',
  spec: {
    ExclusiveStartTableName: TABLE_NAME,
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 100 },
  },
  handle(input, ctx) {
    const names = [...ctx.pipeline!.tables().keys()].sort()
    const start = input.ExclusiveStartTableName
    const after = start === undefined ? names : names.filter((n) => n > start)
    const limit = input.Limit ?? 100
    const page = after.slice(0, limit)
    return after.length > limit
      ? { TableNames: page, LastEvaluatedTableName: page.at(-1) }
      : { TableNames: page }
  },
})

export const describeTable = defineOperation({
  name: 'DescribeTable',
  spec: { TableName: { ...TABLE_NAME, notNull: true } },
  handle(input, ctx) {
    const name = tableNameOf(input.TableName)
    const table = ctx.pipeline!.tables().get(name)
    if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`)
    const { partitionKey, sortKey } = table.definition
    const types = attributeTypes(table)
    const keySchema = [{ AttributeName: partitionKey, KeyType: 'HASH' }]
    if (sortKey !== undefined) keySchema.push({ AttributeName: sortKey, KeyType: 'RANGE' })
    return {
      Table: {
        TableName: name,
        TableArn: tableArn(ctx, name),
        TableStatus: 'ACTIVE',
        KeySchema: keySchema,
        AttributeDefinitions: Object.entries(types).map(([AttributeName, AttributeType]) => ({
          AttributeName,
          AttributeType,
        })),
        ItemCount: wire(() => table.count()),
        TableSizeBytes: 0,
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
        DeletionProtectionEnabled: false,
      },
    }
  },
})
