import type { QueryOptions, SortKeyCondition, TableKey } from '../../bindings/index.ts'
import { indexOf, projectToIndex } from '../../services/tables/indexes.ts'
import type { IndexDefinition } from '../../services/tables/keys.ts'
import type { Page } from '../../services/tables/paging.ts'
import type { ScanOptions, TableQuery, TableService } from '../../services/tables/table-service.ts'
import type { Item } from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { ATTRIBUTE_MAP, fromAttributeMap, toAttributeMap } from './attribute-values.ts'
import {
  ATTRIBUTES_TO_GET,
  CONDITIONAL_OPERATOR,
  EXPRESSION_NAMES,
  EXPRESSION_VALUES,
  FILTER_CONDITIONS,
  INDEX_NAME,
  KEY_CONDITIONS,
  projected,
  projectionOf,
  RETURN_CONSUMED_CAPACITY,
  refuseLegacy,
  SELECT,
  scopeOf,
  TABLE_NAME,
  tableOf,
  wire,
} from './common.ts'
import {
  type Condition,
  type ExpressionScope,
  evaluate,
  type Operand,
  type Path,
  parseCondition,
} from './expressions.ts'

interface ReadInput {
  IndexName?: string
  Select?: string
  FilterExpression?: string
  ProjectionExpression?: string
}

/**
 * DynamoDB's checks on IndexName and Select. Query's messages carry a "1 validation error
 * detected: " prefix that Scan's lack (as recorded against DynamoDB).
 */
function checkReadInput(input: ReadInput, isQuery: boolean): void {
  const prefix = isQuery ? '1 validation error detected: ' : ''
  if (
    input.ProjectionExpression !== undefined &&
    input.Select !== undefined &&
    input.Select !== 'SPECIFIC_ATTRIBUTES'
  ) {
    const what = input.Select === 'COUNT' ? 'only the Count' : input.Select
    throw validationError(`${prefix}Cannot specify the ProjectionExpression when choosing to get ${what}`)
  }
  if (input.Select === 'ALL_PROJECTED_ATTRIBUTES' && input.IndexName === undefined) {
    throw validationError(
      `${prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName`,
    )
  }
  if (input.Select === 'SPECIFIC_ATTRIBUTES' && input.ProjectionExpression === undefined) {
    throw validationError(
      `${prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES`,
    )
  }
}

/**
 * The index a read names (DynamoDB's "The table does not have the specified index"), with its
 * rules: no strongly consistent reads of a global index, and ALL_ATTRIBUTES only from a global
 * index that projects them all.
 */
function indexOfRead(
  table: TableService,
  input: ReadInput & { ConsistentRead?: boolean },
): IndexDefinition | undefined {
  if (input.IndexName === undefined) return undefined
  const index = wire(() => indexOf(table.definition, input.IndexName!))
  if (index.global && input.ConsistentRead === true) {
    throw validationError('Consistent reads are not supported on global secondary indexes')
  }
  if (index.global && input.Select === 'ALL_ATTRIBUTES' && index.projection.type !== 'ALL') {
    throw validationError(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`,
    )
  }
  return index
}

/**
 * How a read sees an item: the table's item; through a global index, what the index projects;
 * through a local index, what it projects unless the request asks for more (DynamoDB fetches
 * the rest from the table, for a filter too).
 */
interface ReadView {
  /** The item a FilterExpression sees. */
  filter(item: Item): Item
  /** The item the answer holds (before a ProjectionExpression). */
  output(item: Item): Item
}

function viewOf(table: TableService, index: IndexDefinition | undefined, input: ReadInput): ReadView {
  const whole = (item: Item) => item
  if (!index) return { filter: whole, output: whole }
  const projected = (item: Item) => projectToIndex(table.definition, index, item)
  // A global index holds only what it projects; a local one fetches the rest from the table.
  if (index.global) return { filter: projected, output: projected }
  const wantsAll = input.Select === 'ALL_ATTRIBUTES' || input.ProjectionExpression !== undefined
  return { filter: whole, output: wantsAll ? whole : projected }
}

function operandPaths(operand: Operand): Path[] {
  switch (operand.kind) {
    case 'path':
    case 'size':
      return [operand.path]
    default:
      return []
  }
}

function conditionPaths(condition: Condition): Path[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return [...conditionPaths(condition.left), ...conditionPaths(condition.right)]
    case 'not':
      return conditionPaths(condition.condition)
    case 'cmp':
      return [...operandPaths(condition.a), ...operandPaths(condition.b)]
    case 'between':
      return [condition.a, condition.low, condition.high].flatMap(operandPaths)
    case 'in':
      return [condition.a, ...condition.list].flatMap(operandPaths)
    case 'fn':
      return condition.args.flatMap(operandPaths)
  }
}

function filterOf(text: string | undefined, scope: ExpressionScope): Condition | undefined {
  return text === undefined ? undefined : parseCondition(text, 'FilterExpression', scope)
}

/** ExclusiveStartKey's values, whose errors DynamoDB prefixes. */
function startKeyOf(key: Record<string, unknown>): TableKey {
  try {
    return fromAttributeMap(key) as TableKey
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ValidationException')
      throw validationError(`The provided starting key is invalid: ${error.message}`)
    throw error
  }
}

/** A Query's filter may not name the key attributes of the table or index it reads. */
function checkFilterKeys(
  keys: { partitionKey: string; sortKey?: string | undefined },
  filter: Condition | undefined,
): void {
  if (!filter) return
  const { partitionKey, sortKey } = keys
  for (const path of conditionPaths(filter)) {
    if (path.length === 1 && (path[0] === partitionKey || path[0] === sortKey)) {
      throw validationError(
        `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${path[0]}`,
      )
    }
  }
}

/** A page as DynamoDB answers it: filtered after the limit, projected, or only counted. */
function answer(
  page: Page,
  filter: Condition | undefined,
  paths: Path[] | undefined,
  select: string | undefined,
  view: ReadView = { filter: (item) => item, output: (item) => item },
) {
  const items = (filter ? page.items.filter((item) => evaluate(filter, view.filter(item))) : page.items).map(
    view.output,
  )
  const out: Record<string, unknown> = {}
  if (select !== 'COUNT') out.Items = items.map((item) => toAttributeMap(projected(item, paths)))
  out.Count = items.length
  out.ScannedCount = page.items.length
  if (page.lastKey) out.LastEvaluatedKey = toAttributeMap(page.lastKey)
  return out
}

function flatten(condition: Condition): Condition[] {
  return condition.kind === 'and' ? [...flatten(condition.left), ...flatten(condition.right)] : [condition]
}

function keyValueOf(operand: Operand | undefined, what: string) {
  if (operand?.kind !== 'value') {
    throw validationError(
      `Invalid KeyConditionExpression: ${what} requires an expression attribute value as its operand`,
    )
  }
  return operand.value as string | number
}

const SORT_OPERATORS: Record<string, keyof SortKeyConditionParts> = {
  '=': 'equals',
  '<': 'lessThan',
  '<=': 'lessThanOrEqual',
  '>': 'greaterThan',
  '>=': 'greaterThanOrEqual',
}
type SortKeyConditionParts = {
  equals: unknown
  lessThan: unknown
  lessThanOrEqual: unknown
  greaterThan: unknown
  greaterThanOrEqual: unknown
}

/** A KeyConditionExpression as the table service's query: the partition value and a sort condition. */
function keyConditionOf(
  keys: { partitionKey: string; sortKey?: string | undefined },
  condition: Condition,
): Pick<QueryOptions, 'partitionKey' | 'sortKey'> {
  const { partitionKey, sortKey } = keys
  const parts = flatten(condition)
  if (parts.length > 2) throw validationError('Conditions can be of length 1 or 2 only')
  let pk: string | number | undefined
  let sk: SortKeyCondition | undefined
  for (const part of parts) {
    let attr: string | undefined
    let sortPart: SortKeyCondition | undefined
    let isEquals = false
    if (part.kind === 'or' || part.kind === 'and' || part.kind === 'not' || part.kind === 'in') {
      throw validationError(`Invalid operator used in KeyConditionExpression: ${part.kind.toUpperCase()}`)
    }
    if (part.kind === 'cmp') {
      if (part.a.kind !== 'path' || part.a.path.length !== 1 || typeof part.a.path[0] !== 'string') {
        throw validationError(
          'Invalid KeyConditionExpression: the left side of a key condition must be a key attribute',
        )
      }
      if (part.op === '<>')
        throw validationError('Unsupported operator on KeyConditionExpression: operator: <>')
      attr = part.a.path[0]
      const value = keyValueOf(part.b, part.op)
      isEquals = part.op === '='
      sortPart = { [SORT_OPERATORS[part.op]!]: value } as SortKeyCondition
      if (isEquals && attr === partitionKey) pk = value
    } else if (part.kind === 'between') {
      if (part.a.kind !== 'path' || part.a.path.length !== 1) {
        throw validationError('Invalid KeyConditionExpression: BETWEEN requires a key attribute')
      }
      attr = String(part.a.path[0])
      sortPart = {
        between: [keyValueOf(part.low, 'BETWEEN'), keyValueOf(part.high, 'BETWEEN')],
      } as SortKeyCondition
    } else if (part.kind === 'fn' && part.name === 'begins_with') {
      const target = part.args[0]
      if (target?.kind !== 'path' || target.path.length !== 1) {
        throw validationError('Invalid KeyConditionExpression: begins_with requires a key attribute')
      }
      attr = String(target.path[0])
      sortPart = { beginsWith: keyValueOf(part.args[1], 'begins_with') } as SortKeyCondition
    } else {
      throw validationError(
        `Invalid operator used in KeyConditionExpression: ${(part as { name?: string }).name}`,
      )
    }
    if (attr === partitionKey) {
      if (!isEquals) throw validationError('Query key condition not supported')
    } else if (attr === sortKey && sk === undefined) {
      sk = sortPart
    } else {
      throw validationError('Query key condition not supported')
    }
  }
  if (pk === undefined) throw validationError(`Query condition missed key schema element: ${partitionKey}`)
  return sk === undefined ? { partitionKey: pk } : { partitionKey: pk, sortKey: sk }
}

export const query = defineOperation({
  name: 'Query',
  // Members in the order DynamoDB reports their violations (recorded from AWS).
  spec: {
    Select: SELECT,
    IndexName: INDEX_NAME,
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    QueryFilter: FILTER_CONDITIONS,
    TableName: { ...TABLE_NAME, notNull: true },
    ConditionalOperator: CONDITIONAL_OPERATOR,
    AttributesToGet: ATTRIBUTES_TO_GET,
    Limit: { type: 'Integer', greaterThanOrEqual: 1 },
    KeyConditions: KEY_CONDITIONS,
    ExclusiveStartKey: ATTRIBUTE_MAP,
    ConsistentRead: { type: 'Boolean' },
    ScanIndexForward: { type: 'Boolean' },
    KeyConditionExpression: { type: 'String' },
    FilterExpression: { type: 'String' },
    ProjectionExpression: { type: 'String' },
    ExpressionAttributeValues: EXPRESSION_VALUES,
    ExpressionAttributeNames: EXPRESSION_NAMES,
  },
  handle(input, ctx) {
    refuseLegacy(input, 'KeyConditions', 'QueryFilter', 'AttributesToGet', 'ConditionalOperator')
    // What the request holds is checked before the table is looked for (as DynamoDB does), what
    // needs its key schema after.
    checkReadInput(input, true)
    if (input.KeyConditionExpression === undefined) {
      throw validationError(
        'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      )
    }
    const scope = scopeOf(input, ['FilterExpression', 'KeyConditionExpression', 'ProjectionExpression'])
    const condition = parseCondition(input.KeyConditionExpression, 'KeyConditionExpression', scope)
    const filter = filterOf(input.FilterExpression, scope)
    const paths = projectionOf(input.ProjectionExpression, scope)
    scope.checkAllUsed()
    const startAfter = input.ExclusiveStartKey && startKeyOf(input.ExclusiveStartKey)
    const table = tableOf(ctx, input.TableName)
    const index = indexOfRead(table, input)
    const keys = index ?? table.definition
    const keyCondition = keyConditionOf(keys, condition)
    checkFilterKeys(keys, filter)
    const options: TableQuery = { ...keyCondition, scanForward: input.ScanIndexForward !== false }
    if (index) options.index = index.name
    if (input.Limit !== undefined) options.limit = input.Limit
    if (startAfter) options.startAfter = startAfter
    return answer(
      wire(() => table.query(options)),
      filter,
      paths,
      input.Select,
      viewOf(table, index, input),
    )
  },
})

export const scan = defineOperation({
  name: 'Scan',
  // Members in the order DynamoDB reports their violations (recorded from AWS); ConsistentRead,
  // which the recordings do not place, last. Segment's and TotalSegments' upper bounds are AWS's
  // documented ones.
  spec: {
    Select: SELECT,
    IndexName: INDEX_NAME,
    TotalSegments: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 1000000 },
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    TableName: { ...TABLE_NAME, notNull: true },
    ConditionalOperator: CONDITIONAL_OPERATOR,
    ScanFilter: FILTER_CONDITIONS,
    Segment: { type: 'Integer', greaterThanOrEqual: 0, lessThanOrEqual: 999999 },
    Limit: { type: 'Integer', greaterThanOrEqual: 1 },
    AttributesToGet: ATTRIBUTES_TO_GET,
    ExclusiveStartKey: ATTRIBUTE_MAP,
    FilterExpression: { type: 'String' },
    ProjectionExpression: { type: 'String' },
    ExpressionAttributeValues: EXPRESSION_VALUES,
    ExpressionAttributeNames: EXPRESSION_NAMES,
    ConsistentRead: { type: 'Boolean' },
  },
  handle(input, ctx) {
    refuseLegacy(input, 'ScanFilter', 'AttributesToGet', 'ConditionalOperator')
    checkReadInput(input, false)
    if (input.Segment !== undefined && input.TotalSegments === undefined) {
      throw validationError(
        'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
      )
    }
    if (input.TotalSegments !== undefined && input.Segment === undefined) {
      throw validationError(
        'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
      )
    }
    if (input.Segment !== undefined && input.Segment >= input.TotalSegments!) {
      throw validationError(
        `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${input.Segment} is not less than TotalSegments: ${input.TotalSegments}`,
      )
    }
    const scope = scopeOf(input, ['FilterExpression', 'ProjectionExpression'])
    const filter = filterOf(input.FilterExpression, scope)
    const paths = projectionOf(input.ProjectionExpression, scope)
    scope.checkAllUsed()
    const startAfter = input.ExclusiveStartKey && startKeyOf(input.ExclusiveStartKey)
    const table = tableOf(ctx, input.TableName)
    const index = indexOfRead(table, input)
    // Segment 0 holds every item and the others none: a partition of the table, as DynamoDB's is.
    if (input.Segment !== undefined && input.Segment > 0)
      return answer({ items: [] }, filter, paths, input.Select)
    const options: ScanOptions = {}
    if (index) options.index = index.name
    if (input.Limit !== undefined) options.limit = input.Limit
    if (startAfter) options.startAfter = startAfter
    return answer(
      wire(() => table.scan(options)),
      filter,
      paths,
      input.Select,
      viewOf(table, index, input),
    )
  },
})
