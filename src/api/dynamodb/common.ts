import { TableError } from '../../services/tables/errors.ts'
import { itemKey, keyOf } from '../../services/tables/keys.ts'
import type { TableService } from '../../services/tables/table-service.ts'
import type { Item } from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'
import { ATTRIBUTE_MAP, ATTRIBUTE_VALUE, fromAttributeMap } from './attribute-values.ts'
import { ExpressionScope, type Path, parseProjection, projectItem } from './expressions.ts'

export const TABLE_NAME = {
  type: 'String',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 1024,
} as const
export const INDEX_NAME = {
  type: 'String',
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 3,
  lengthLessThanOrEqual: 255,
} as const
export const EXPRESSION_NAMES = { type: 'Map', children: { type: 'String' } } as const
export const EXPRESSION_VALUES = ATTRIBUTE_MAP
// Enum values in the order DynamoDB lists them in "Member must satisfy enum value set: [...]".
export const RETURN_CONSUMED_CAPACITY = { type: 'String', enum: ['INDEXES', 'TOTAL', 'NONE'] } as const
export const RETURN_ITEM_COLLECTION_METRICS = { type: 'String', enum: ['SIZE', 'NONE'] } as const
export const RETURN_VALUES_ON_CONDITION_CHECK_FAILURE = { type: 'String', enum: ['ALL_OLD', 'NONE'] } as const
export const RETURN_VALUES = {
  type: 'String',
  enum: ['ALL_NEW', 'UPDATED_OLD', 'ALL_OLD', 'NONE', 'UPDATED_NEW'],
} as const
export const SELECT = {
  type: 'String',
  enum: ['SPECIFIC_ATTRIBUTES', 'COUNT', 'ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES'],
} as const

/*
 * The legacy parameters. They are refused (expressions only), but after DynamoDB's own checks of
 * their types and constraints, so they are declared in full: a ConditionalOperator of 'XOR' is
 * an enum violation, as on AWS, before it is a legacy parameter.
 */
export const CONDITIONAL_OPERATOR = { type: 'String', enum: ['OR', 'AND'] } as const
export const ATTRIBUTES_TO_GET = {
  type: 'List',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 255,
  children: { type: 'String' },
} as const
const COMPARISON_OPERATOR = {
  type: 'String',
  enum: [
    'IN',
    'NULL',
    'BETWEEN',
    'LT',
    'NOT_CONTAINS',
    'EQ',
    'GT',
    'NOT_NULL',
    'NE',
    'LE',
    'BEGINS_WITH',
    'GE',
    'CONTAINS',
  ],
} as const
const ATTRIBUTE_VALUE_LIST = { type: 'List', children: ATTRIBUTE_VALUE } as const
export const EXPECTED = {
  type: 'Map',
  checkValues: true,
  children: {
    type: 'Structure',
    shape: 'ExpectedAttributeValue',
    children: {
      AttributeValueList: ATTRIBUTE_VALUE_LIST,
      ComparisonOperator: COMPARISON_OPERATOR,
      Exists: { type: 'Boolean' },
      Value: ATTRIBUTE_VALUE,
    },
  },
} as const
/** QueryFilter and ScanFilter. */
export const FILTER_CONDITIONS = {
  type: 'Map',
  checkValues: true,
  children: {
    type: 'Structure',
    shape: 'Condition',
    children: {
      AttributeValueList: ATTRIBUTE_VALUE_LIST,
      ComparisonOperator: { ...COMPARISON_OPERATOR, notNull: true },
    },
  },
} as const
export const KEY_CONDITIONS = {
  type: 'Map',
  checkValues: true,
  children: {
    type: 'Structure',
    shape: 'Condition',
    children: {
      ComparisonOperator: { ...COMPARISON_OPERATOR, notNull: true },
      AttributeValueList: ATTRIBUTE_VALUE_LIST,
    },
  },
} as const
export const ATTRIBUTE_UPDATES = {
  type: 'Map',
  checkValues: true,
  children: {
    type: 'Structure',
    shape: 'AttributeValueUpdate',
    children: { Action: { type: 'String' }, Value: ATTRIBUTE_VALUE },
  },
} as const

export const notFound = (message = 'Requested resource not found') =>
  new AwsError('ResourceNotFoundException', message)

/** A table name, or its ARN (DynamoDB accepts either). */
export function tableNameOf(name: string): string {
  const m = /^arn:aws[^:]*:dynamodb:[^:]*:\d{12}:table\/([^/]+)$/.exec(name)
  return m ? m[1]! : name
}

export function tableOf(ctx: OperationContext, name: string): TableService {
  const table = ctx.pipeline!.tables().get(tableNameOf(name))
  if (!table) throw notFound()
  return table
}

/** A table a table operation names: DynamoDB's message then names it too. */
export function namedTableOf(ctx: OperationContext, name: string): TableService {
  const table = ctx.pipeline!.tables().get(name)
  if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`)
  return table
}

export function tableArn(ctx: OperationContext, name: string): string {
  return `arn:aws:dynamodb:${ctx.engine.region}:${ctx.engine.account}:table/${name}`
}

/** Runs `fn`, turning the table service's errors (DynamoDB's names and messages) into wire errors. */
export function wire<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof TableError) throw new AwsError(error.name, error.message)
    throw error
  }
}

/**
 * A request's ExpressionAttributeNames / Values, refused when the request has none of the
 * `expressions` it may carry (its expression members, in the order DynamoDB names them): names
 * without any expression, values without one that takes values ("...: UpdateExpression and
 * ConditionExpression are null"; a ProjectionExpression takes none).
 */
export function scopeOf<K extends string>(
  input: {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, unknown>
  } & { [k in K]?: string | undefined },
  expressions: readonly K[],
): ExpressionScope {
  const missing = (e: K) => input[e] === undefined
  if (input.ExpressionAttributeNames !== undefined && expressions.every(missing)) {
    throw validationError('ExpressionAttributeNames can only be specified when using expressions')
  }
  const valued = expressions.filter((e) => e !== 'ProjectionExpression')
  if (input.ExpressionAttributeValues !== undefined && valued.length > 0 && valued.every(missing)) {
    throw validationError(
      `ExpressionAttributeValues can only be specified when using expressions: ${valued.join(' and ')} ${valued.length > 1 ? 'are' : 'is'} null`,
    )
  }
  return new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues)
}

/** Refuses the legacy parameters (AttributesToGet, Expected, ...): expressions only. */
export function refuseLegacy(input: Record<string, unknown>, ...names: string[]): void {
  for (const name of names) {
    if (input[name] !== undefined) {
      throw validationError(
        `The legacy parameter ${name} is not supported by this endpoint; use the expression parameters instead`,
      )
    }
  }
}

export function projectionOf(text: string | undefined, scope: ExpressionScope): Path[] | undefined {
  return text === undefined ? undefined : parseProjection(text, scope)
}

export function projected(item: Item, paths: Path[] | undefined): Item {
  return paths ? projectItem(item, paths) : item
}

/** A Key parameter as the table service's key (validated by the service). */
export function keyFrom(key: unknown): Item {
  return fromAttributeMap(key)
}

/** The key of an item to be put, checked as PutItem checks it (missing key, wrong type). */
export function keyOfItem(table: TableService, item: Item): Item {
  wire(() => itemKey(table.definition, item))
  return keyOf(table.definition, item)
}

/** The canonical text of a key, to find duplicates in a batch. */
export function keyText(table: TableService, key: Item): string {
  const { partitionKey, sortKey } = table.definition
  return JSON.stringify([table.name, key[partitionKey], sortKey === undefined ? null : key[sortKey]])
}
