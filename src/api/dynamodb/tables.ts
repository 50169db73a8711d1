import { createHash } from 'node:crypto'
import type { KeyType, TableDefinition } from '../../services/tables/keys.ts'
import type { TableService } from '../../services/tables/table-service.ts'
import { dynamoType } from '../../services/tables/values.ts'
import { validationError } from '../errors.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { INDEX_NAME, notFound, TABLE_NAME, tableArn, tableNameOf, wire } from './common.ts'
import {
  checkKeySchema,
  describeIndexes,
  GLOBAL_INDEXES,
  indexesOf,
  KEY_SCHEMA,
  keyAttributes,
  LOCAL_INDEXES,
  THROUGHPUT,
} from './table-indexes.ts'
import { checkTags, TAGS } from './tags.ts'

/**
 * The key attributes' types: as the table was created (or declared) with them; otherwise (a
 * declared table naming its keys only) read off a stored item, S when the table is empty.
 */
function attributeTypes(table: TableService): Record<string, KeyType> {
  const known = table.definition.attributeTypes ?? {}
  const keys = keyAttributes(table.definition, table.definition.secondaryIndexes ?? [])
  const missing = [...keys].filter((k) => known[k] === undefined)
  const [first] = missing.length === 0 ? [] : wire(() => table.scan({ limit: 1 })).items
  const typeOf = (name: string): KeyType => {
    const type = known[name] ?? (first?.[name] === undefined ? 'S' : dynamoType(first[name]))
    return type === 'N' || type === 'B' ? type : 'S'
  }
  const names = [...Object.keys(known).filter((k) => keys.has(k)), ...missing]
  return Object.fromEntries(names.map((k) => [k, typeOf(k)]))
}

export const listTables = defineOperation({
  name: 'ListTables',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 100 },
    // A name, not an ARN: AWS still documents 3-255 characters of [a-zA-Z0-9_.-].
    ExclusiveStartTableName: { ...INDEX_NAME },
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

/** A table as DescribeTable, CreateTable and DeleteTable describe it. */
export function tableDescription(ctx: OperationContext, name: string, status: 'ACTIVE' | 'DELETING') {
  const table = ctx.pipeline!.tables().get(name)
  if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`)
  const entry = ctx.pipeline!.tableRegistry().entry(name)
  const { partitionKey, sortKey } = table.definition
  const types = attributeTypes(table)
  const keySchema = [{ AttributeName: partitionKey, KeyType: 'HASH' }]
  if (sortKey !== undefined) keySchema.push({ AttributeName: sortKey, KeyType: 'RANGE' })
  return {
    TableName: name,
    TableArn: tableArn(ctx, name),
    TableId: tableId(ctx, name),
    TableStatus: status,
    ...(entry?.createdAt === undefined ? {} : { CreationDateTime: new Date(entry.createdAt) }),
    KeySchema: keySchema,
    AttributeDefinitions: Object.entries(types).map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    ItemCount: wire(() => table.count()),
    TableSizeBytes: wire(() => table.sizeBytes()),
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
    DeletionProtectionEnabled: false,
    ...describeIndexes(table, tableArn(ctx, name)),
  }
}

/** A stable id for a table (DynamoDB's TableId is a UUID). */
function tableId(ctx: OperationContext, name: string): string {
  const h = createHash('sha1').update(`${ctx.engine.account}\0${name}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** A key attribute's name in CreateTable's KeySchema and AttributeDefinitions. */
const ATTRIBUTE_NAME = {
  type: 'String',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 255,
} as const

const invalid = (why: string) => validationError(`One or more parameter values were invalid: ${why}`)

/** An AttributeDefinition of CreateTable or UpdateTable. */
export const ATTRIBUTE_DEFINITION = {
  type: 'Structure',
  shape: 'AttributeDefinition',
  children: {
    AttributeName: ATTRIBUTE_NAME,
    AttributeType: { type: 'String', notNull: true, enum: ['B', 'N', 'S'] },
  },
} as const
export const BILLING_MODE = { type: 'String', enum: ['PROVISIONED', 'PAY_PER_REQUEST'] } as const

export const createTable = defineOperation({
  name: 'CreateTable',
  // Members in the order DynamoDB reports their violations (recorded from AWS); those newer than
  // the recordings last. A missing TableName is refused before anything else is checked.
  spec: {
    AttributeDefinitions: {
      type: 'List',
      notNull: true,
      children: ATTRIBUTE_DEFINITION,
    },
    TableName: { ...TABLE_NAME, required: true },
    BillingMode: BILLING_MODE,
    ProvisionedThroughput: THROUGHPUT,
    KeySchema: KEY_SCHEMA,
    LocalSecondaryIndexes: LOCAL_INDEXES,
    GlobalSecondaryIndexes: GLOBAL_INDEXES,
    DeletionProtectionEnabled: { type: 'Boolean' },
    TableClass: { type: 'String', enum: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] },
    Tags: TAGS,
  },
  handle(input, ctx) {
    const name = input.TableName
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
      throw validationError(
        `TableName must be at least 3 characters long and at most 255 characters long, and contain only a-z, A-Z, 0-9, '_', '-' and '.'`,
      )
    // DynamoDB's checks, in its order: billing, the table's key schema, then its indexes.
    if (input.BillingMode === 'PAY_PER_REQUEST' && input.ProvisionedThroughput)
      throw invalid(
        'Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
      )
    if (input.BillingMode !== 'PAY_PER_REQUEST' && !input.ProvisionedThroughput)
      throw invalid(
        'ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
      )
    const definitions = input.AttributeDefinitions.map((d) => d.AttributeName)
    const types = new Map(input.AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType]))
    if (input.KeySchema.length > definitions.length)
      throw validationError('Invalid KeySchema: Some index key attribute have no definition')
    checkKeySchema(input.KeySchema, definitions)
    const hasIndexes = input.LocalSecondaryIndexes !== undefined || input.GlobalSecondaryIndexes !== undefined
    if (!hasIndexes && input.KeySchema.length !== input.AttributeDefinitions.length)
      throw invalid(
        'Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
      )
    const [hash, range] = input.KeySchema
    const table: TableDefinition =
      range === undefined
        ? { partitionKey: hash!.AttributeName }
        : { partitionKey: hash!.AttributeName, sortKey: range.AttributeName }
    const indexes = indexesOf(table, definitions, input)
    const keys = keyAttributes(table, indexes)
    if (types.size !== keys.size)
      throw invalid(
        `Some AttributeDefinitions are not used. AttributeDefinitions: [${definitions.join(', ')}], ` +
          `keys used: [${[...keys].join(', ')}]`,
      )
    const definition: TableDefinition = {
      ...table,
      // In the order given: DescribeTable lists AttributeDefinitions as CreateTable had them.
      attributeTypes: Object.fromEntries(
        input.AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType]),
      ),
    }
    if (indexes.length > 0) definition.secondaryIndexes = indexes
    const tags = input.Tags === undefined ? undefined : checkTags(input.Tags, {})
    const registry = ctx.pipeline!.tableRegistry()
    wire(() => registry.create(name, definition, tags))
    // Usable at once: ACTIVE rather than CREATING (a waiter's DescribeTable sees ACTIVE too).
    return { TableDescription: tableDescription(ctx, name, 'ACTIVE') }
  },
})

export const deleteTable = defineOperation({
  name: 'DeleteTable',
  spec: { TableName: { ...TABLE_NAME, required: true } },
  handle(input, ctx) {
    const name = tableNameOf(input.TableName)
    const description = tableDescription(ctx, name, 'DELETING')
    wire(() => ctx.pipeline!.tableRegistry().drop(name))
    return { TableDescription: description }
  },
})

export const describeTable = defineOperation({
  name: 'DescribeTable',
  spec: { TableName: { ...TABLE_NAME, required: true } },
  handle(input, ctx) {
    return { Table: tableDescription(ctx, tableNameOf(input.TableName), 'ACTIVE') }
  },
})
