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

const KEY_SCHEMA = {
  type: 'List',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2,
  children: {
    type: 'Structure',
    children: { AttributeName: NAME, KeyType: { type: 'String', notNull: true, enum: ['HASH', 'RANGE'] } },
  },
} as const

const PROJECTION = {
  type: 'Structure',
  notNull: true,
  children: {
    ProjectionType: { type: 'String', enum: ['ALL', 'KEYS_ONLY', 'INCLUDE'] },
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

const THROUGHPUT = {
  type: 'Structure',
  children: {
    ReadCapacityUnits: { type: 'Long', notNull: true, greaterThanOrEqual: 1 },
    WriteCapacityUnits: { type: 'Long', notNull: true, greaterThanOrEqual: 1 },
  },
} as const

export const LOCAL_INDEXES = {
  type: 'List',
  children: {
    type: 'Structure',
    children: { IndexName: INDEX_NAME, KeySchema: KEY_SCHEMA, Projection: PROJECTION },
  },
} as const

export const GLOBAL_INDEXES = {
  type: 'List',
  children: {
    type: 'Structure',
    children: {
      IndexName: INDEX_NAME,
      KeySchema: KEY_SCHEMA,
      Projection: PROJECTION,
      ProvisionedThroughput: THROUGHPUT,
      OnDemandThroughput: { type: 'Structure', children: {} },
      WarmThroughput: { type: 'Structure', children: {} },
    },
  },
} as const

interface WireIndex {
  IndexName: string
  KeySchema: Array<{ AttributeName: string; KeyType: string }>
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] }
}

const invalid = (why: string) => validationError(`One or more parameter values were invalid: ${why}`)

/**
 * The indexes CreateTable asks for, checked as DynamoDB checks them; `keyNames` collects every
 * key attribute they use (to match against AttributeDefinitions).
 */
export function indexesOf(
  table: TableDefinition,
  local: readonly WireIndex[] | undefined,
  global: readonly WireIndex[] | undefined,
): IndexDefinition[] {
  if (local !== undefined && local.length === 0) throw invalid('List of LocalSecondaryIndexes is empty')
  if (global !== undefined && global.length === 0) throw invalid('List of GlobalSecondaryIndexes is empty')
  if (local?.length && table.sortKey === undefined) {
    throw invalid(
      'Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    )
  }
  if ((local?.length ?? 0) > 5) throw invalid('Number of LocalSecondaryIndexes exceeds per-table limit of 5')
  if ((global?.length ?? 0) > 20)
    throw invalid('Number of GlobalSecondaryIndexes exceeds per-table limit of 20')
  const names = new Set<string>()
  const out: IndexDefinition[] = []
  for (const [isGlobal, list] of [
    [false, local ?? []],
    [true, global ?? []],
  ] as const) {
    for (const index of list) {
      if (names.has(index.IndexName)) throw invalid(`Duplicate index name: ${index.IndexName}`)
      names.add(index.IndexName)
      const [hash, range, ...rest] = index.KeySchema
      if (hash?.KeyType !== 'HASH' || rest.length > 0 || (range && range.KeyType !== 'RANGE')) {
        throw invalid(`Invalid KeySchema: The first KeySchemaElement is not a HASH key type`)
      }
      if (!isGlobal) {
        if (hash.AttributeName !== table.partitionKey) {
          throw invalid(
            `Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. ` +
              `index hash key: ${hash.AttributeName}, table hash key: ${table.partitionKey}`,
          )
        }
        if (range === undefined) {
          throw invalid(`Index KeySchema does not have a range key for index: ${index.IndexName}`)
        }
      }
      const type = (index.Projection.ProjectionType ?? 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE'
      const nonKey = index.Projection.NonKeyAttributes
      if (type === 'INCLUDE' && nonKey === undefined) {
        throw invalid('ProjectionType is INCLUDE, but NonKeyAttributes is not specified')
      }
      if (type !== 'INCLUDE' && nonKey !== undefined) {
        throw invalid(`ProjectionType is ${type}, but NonKeyAttributes is specified`)
      }
      const definition: IndexDefinition = {
        name: index.IndexName,
        global: isGlobal,
        partitionKey: hash.AttributeName,
        projection: nonKey === undefined ? { type } : { type, nonKeyAttributes: [...nonKey] },
      }
      if (range !== undefined) definition.sortKey = range.AttributeName
      out.push(definition)
    }
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
