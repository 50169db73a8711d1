import type { IndexDefinition, TableDefinition } from '../../services/tables/keys.ts'
import type { TableService } from '../../services/tables/table-service.ts'
import { validationError } from '../errors.ts'
import { wire } from './common.ts'

/*
 * CreateTable's LocalSecondaryIndexes and GlobalSecondaryIndexes: their wire spec, DynamoDB's
 * checks, and how DescribeTable shows them.
 */

const NAME = {
  type: 'String',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 255,
} as const

export const KEY_SCHEMA = {
  type: 'List',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2,
  children: {
    type: 'Structure',
    shape: 'KeySchemaElement',
    children: { AttributeName: NAME, KeyType: { type: 'String', notNull: true, enum: ['HASH', 'RANGE'] } },
  },
} as const

export const PROJECTION = {
  type: 'Structure',
  shape: 'Projection',
  notNull: true,
  children: {
    ProjectionType: { type: 'String', enum: ['ALL', 'INCLUDE', 'KEYS_ONLY'] },
    NonKeyAttributes: {
      type: 'List',
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 20,
      children: NAME,
    },
  },
} as const

const INDEX_NAME = {
  type: 'String',
  notNull: true,
  lengthGreaterThanOrEqual: 3,
  lengthLessThanOrEqual: 255,
  regex: '[a-zA-Z0-9_.-]+',
} as const

/** ProvisionedThroughput, its members in the order DynamoDB reports their violations. */
export const THROUGHPUT = {
  type: 'Structure',
  shape: 'ProvisionedThroughput',
  children: {
    WriteCapacityUnits: { type: 'Long', notNull: true, greaterThanOrEqual: 1 },
    ReadCapacityUnits: { type: 'Long', notNull: true, greaterThanOrEqual: 1 },
  },
} as const

export const ON_DEMAND_THROUGHPUT = { type: 'Structure', shape: 'OnDemandThroughput', children: {} } as const
export const WARM_THROUGHPUT = { type: 'Structure', shape: 'WarmThroughput', children: {} } as const

export const LOCAL_INDEXES = {
  type: 'List',
  children: {
    type: 'Structure',
    shape: 'LocalSecondaryIndex',
    children: { IndexName: INDEX_NAME, KeySchema: KEY_SCHEMA, Projection: PROJECTION },
  },
} as const

export const GLOBAL_INDEXES = {
  type: 'List',
  children: {
    type: 'Structure',
    shape: 'GlobalSecondaryIndex',
    children: {
      IndexName: INDEX_NAME,
      KeySchema: KEY_SCHEMA,
      Projection: PROJECTION,
      ProvisionedThroughput: THROUGHPUT,
      OnDemandThroughput: ON_DEMAND_THROUGHPUT,
      WarmThroughput: WARM_THROUGHPUT,
    },
  },
} as const

interface WireIndex {
  IndexName: string
  KeySchema: Array<{ AttributeName: string; KeyType: string }>
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] }
  ProvisionedThroughput?: unknown
}

const invalid = (why: string) => validationError(`One or more parameter values were invalid: ${why}`)

/**
 * A key schema's own checks, as DynamoDB makes them (in its order): every key attribute
 * defined, hash and range keys different, HASH first and RANGE second.
 */
export function checkKeySchema(schema: WireIndex['KeySchema'], definitions: readonly string[]): void {
  const keys = schema.map((k) => k.AttributeName)
  if (keys.some((k) => !definitions.includes(k))) {
    throw invalid(
      'Some index key attributes are not defined in AttributeDefinitions. ' +
        `Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`,
    )
  }
  if (keys.length === 2 && keys[0] === keys[1]) {
    throw validationError('Both the Hash Key and the Range Key element in the KeySchema have the same name')
  }
  if (schema[0]?.KeyType !== 'HASH') {
    throw validationError('Invalid KeySchema: The first KeySchemaElement is not a HASH key type')
  }
  if (schema[1] && schema[1].KeyType !== 'RANGE') {
    throw validationError('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type')
  }
}

function projectionOfIndex(index: WireIndex): IndexDefinition['projection'] {
  const type = index.Projection.ProjectionType
  if (type === undefined) throw invalid('Unknown ProjectionType: null')
  const nonKey = index.Projection.NonKeyAttributes
  if (nonKey !== undefined && type !== 'INCLUDE') {
    throw invalid(`ProjectionType is ${type}, but NonKeyAttributes is specified`)
  }
  if (type === 'INCLUDE' && nonKey === undefined) {
    throw invalid('ProjectionType is INCLUDE, but NonKeyAttributes is not specified')
  }
  const projection = { type: type as 'ALL' | 'KEYS_ONLY' | 'INCLUDE' }
  return nonKey === undefined ? projection : { ...projection, nonKeyAttributes: [...nonKey] }
}

function indexDefinition(index: WireIndex, global: boolean): IndexDefinition {
  const [hash, range] = index.KeySchema
  const definition: IndexDefinition = {
    name: index.IndexName,
    global,
    partitionKey: hash!.AttributeName,
    projection: projectionOfIndex(index),
  }
  if (range !== undefined) definition.sortKey = range.AttributeName
  return definition
}

/**
 * The indexes CreateTable asks for, checked as DynamoDB checks them, in its order (local
 * indexes first, then global ones; a count limit after each list).
 */
export function indexesOf(
  table: TableDefinition,
  definitions: readonly string[],
  input: {
    LocalSecondaryIndexes?: readonly WireIndex[] | undefined
    GlobalSecondaryIndexes?: readonly WireIndex[] | undefined
    BillingMode?: string | undefined
  },
): IndexDefinition[] {
  const names = new Set<string>()
  const unique = (name: string) => {
    if (names.has(name)) throw invalid(`Duplicate index name: ${name}`)
    names.add(name)
  }
  const out: IndexDefinition[] = []
  const local = input.LocalSecondaryIndexes
  if (local !== undefined) {
    if (local.length === 0) throw invalid('List of LocalSecondaryIndexes is empty')
    if (table.sortKey === undefined) {
      throw invalid(
        'Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
      )
    }
    for (const index of local) {
      checkKeySchema(index.KeySchema, definitions)
      if (index.KeySchema.length !== 2) {
        throw invalid(`Index KeySchema does not have a range key for index: ${index.IndexName}`)
      }
      const hash = index.KeySchema[0]!.AttributeName
      if (hash !== table.partitionKey) {
        throw invalid(
          `Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. ` +
            `index hash key: ${hash}, table hash key: ${table.partitionKey}`,
        )
      }
      const definition = indexDefinition(index, false)
      unique(index.IndexName)
      out.push(definition)
    }
    if (local.length > 5) throw invalid('Number of LocalSecondaryIndexes exceeds per-table limit of 5')
  }
  const global = input.GlobalSecondaryIndexes
  if (global !== undefined) {
    if (global.length === 0) throw invalid('List of GlobalSecondaryIndexes is empty')
    for (const index of global) {
      checkKeySchema(index.KeySchema, definitions)
      const definition = indexDefinition(index, true)
      if (input.BillingMode === 'PAY_PER_REQUEST' && index.ProvisionedThroughput !== undefined) {
        throw invalid(
          `ProvisionedThroughput should not be specified for index: ${index.IndexName} when BillingMode is PAY_PER_REQUEST`,
        )
      }
      unique(index.IndexName)
      out.push(definition)
    }
    if (global.length > 20) throw invalid('GlobalSecondaryIndex count exceeds the per-table limit of 20')
  }
  return out
}

/** Every key attribute of the table and its indexes. */
export function keyAttributes(table: TableDefinition, indexes: readonly IndexDefinition[]): Set<string> {
  return new Set(
    [table.partitionKey, table.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])].filter(
      (n): n is string => n !== undefined,
    ),
  )
}

function keySchemaOf(index: IndexDefinition) {
  const schema = [{ AttributeName: index.partitionKey, KeyType: 'HASH' }]
  if (index.sortKey !== undefined) schema.push({ AttributeName: index.sortKey, KeyType: 'RANGE' })
  return schema
}

function projectionOf(index: IndexDefinition) {
  const { type, nonKeyAttributes } = index.projection
  return nonKeyAttributes === undefined
    ? { ProjectionType: type }
    : { ProjectionType: type, NonKeyAttributes: [...nonKeyAttributes] }
}

/** DescribeTable's LocalSecondaryIndexes and GlobalSecondaryIndexes (absent when none). */
export function describeIndexes(table: TableService, tableArn: string): Record<string, unknown> {
  const out: Record<string, unknown[]> = {}
  for (const index of table.definition.secondaryIndexes ?? []) {
    const stats = wire(() => table.indexStats(index.name))
    const description: Record<string, unknown> = {
      IndexName: index.name,
      KeySchema: keySchemaOf(index),
      Projection: projectionOf(index),
      IndexSizeBytes: stats.bytes,
      ItemCount: stats.count,
      IndexArn: `${tableArn}/index/${index.name}`,
    }
    if (index.global) {
      description.IndexStatus = 'ACTIVE'
      description.ProvisionedThroughput = {
        NumberOfDecreasesToday: 0,
        ReadCapacityUnits: 0,
        WriteCapacityUnits: 0,
      }
    }
    const field = index.global ? 'GlobalSecondaryIndexes' : 'LocalSecondaryIndexes'
    out[field] ??= []
    out[field].push(description)
  }
  return out
}
