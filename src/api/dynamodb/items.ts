import type { TableKey } from '../../bindings/index.ts'
import { conditionFailed } from '../../services/tables/errors.ts'
import type { TableService } from '../../services/tables/table-service.ts'
import { type Item, itemSize, MAX_ITEM_BYTES } from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { ATTRIBUTE_MAP, fromAttributeMap, toAttributeMap } from './attribute-values.ts'
import {
  ATTRIBUTE_UPDATES,
  ATTRIBUTES_TO_GET,
  CONDITIONAL_OPERATOR,
  EXPECTED,
  EXPRESSION_NAMES,
  EXPRESSION_VALUES,
  keyFrom,
  keyOfItem,
  projected,
  projectionOf,
  RETURN_CONSUMED_CAPACITY,
  RETURN_ITEM_COLLECTION_METRICS,
  RETURN_VALUES,
  RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
  refuseLegacy,
  scopeOf,
  TABLE_NAME,
  tableOf,
  wire,
} from './common.ts'
import {
  type Condition,
  type ExpressionScope,
  evaluate,
  parseCondition,
  parseUpdate,
  projectItem,
} from './expressions.ts'
import { applyUpdate, updatedPaths } from './updates.ts'

/**
 * One write, planned: its table, the key it touches, the condition on the stored item, and the
 * item that replaces it (null deletes it). {@link execute} reads, checks and writes in one
 * synchronous step, so nothing interleaves between the check and the write.
 */
export interface WritePlan {
  table: TableService
  key: Item
  condition?: Condition | undefined
  /** The item to write given the stored one; null deletes; undefined writes nothing (ConditionCheck). */
  next(current: Item | undefined): Item | null | undefined
  /** ReturnValuesOnConditionCheckFailure ALL_OLD: a failed condition carries the stored item. */
  returnOldOnFailure?: boolean
}

/**
 * Reads the stored item and checks the plan's condition; throws ConditionalCheckFailed, with
 * the stored item as `Item` when the request asked for it (and there is one).
 */
export function check(plan: WritePlan): Item | undefined {
  const current = wire(() => plan.table.get(plan.key as TableKey))
  if (plan.condition && !evaluate(plan.condition, current)) {
    const failed = conditionFailed()
    const fields = plan.returnOldOnFailure && current ? { Item: toAttributeMap(current) } : {}
    throw new AwsError(failed.name, failed.message, 400, 'message', fields)
  }
  return current
}

/** Writes what the plan says given the stored item (already checked). */
export function write(plan: WritePlan, current: Item | undefined): Item | null | undefined {
  const next = plan.next(current)
  if (next === null) wire(() => plan.table.delete(plan.key as TableKey))
  else if (next !== undefined) wire(() => plan.table.put(next))
  return next
}

/**
 * Runs several writes as one SQLite transaction, group committed like single writes: all of them
 * or none survive a crash, and they share one fsync (the dispatcher awaits it before answering).
 */
export function writeTogether(ctx: OperationContext, writes: () => void): void {
  const store = ctx.engine.state
  store.commitRelaxed(() => store.transaction(writes))
}

const CONDITION_INPUT = {
  ConditionExpression: { type: 'String' },
  ExpressionAttributeValues: EXPRESSION_VALUES,
  ExpressionAttributeNames: EXPRESSION_NAMES,
} as const

interface ConditionInput {
  ConditionExpression?: string
  ExpressionAttributeNames?: Record<string, string>
  ExpressionAttributeValues?: Record<string, unknown>
  ReturnValuesOnConditionCheckFailure?: string
}

const returnsOld = (input: ConditionInput) => input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'

/**
 * The request's condition, parsed in `scope` (after `extra`, which parses what else the request's
 * expressions hold), every name and value checked used.
 */
function conditionOf(
  input: ConditionInput,
  scope: ExpressionScope,
  extra?: (scope: ExpressionScope) => void,
): Condition | undefined {
  extra?.(scope)
  const condition =
    input.ConditionExpression === undefined
      ? undefined
      : parseCondition(input.ConditionExpression, 'ConditionExpression', scope)
  scope.checkAllUsed()
  return condition
}

// DynamoDB checks what a request holds (its expressions' names and values, its attribute values,
// its item's size, its expressions) before it looks for the table: a malformed request for a
// table that does not exist is a ValidationException, not a ResourceNotFoundException. Only
// what needs the table's key schema is checked after.

export function planPut(
  ctx: OperationContext,
  input: ConditionInput & { TableName: string; Item: unknown },
): WritePlan {
  const scope = scopeOf(input, ['ConditionExpression'])
  const item = fromAttributeMap(input.Item)
  if (itemSize(item) > MAX_ITEM_BYTES)
    throw validationError('Item size has exceeded the maximum allowed size')
  const condition = conditionOf(input, scope)
  const table = tableOf(ctx, input.TableName)
  const key = keyOfItem(table, item)
  return { table, key, condition, next: () => item, returnOldOnFailure: returnsOld(input) }
}

/** A write named by its key alone: what it leaves is `next` (null: deleted; undefined: untouched). */
function planKeyed(
  ctx: OperationContext,
  input: ConditionInput & { TableName: string; Key: unknown },
  next: () => null | undefined,
): WritePlan {
  const scope = scopeOf(input, ['ConditionExpression'])
  const key = keyFrom(input.Key)
  const condition = conditionOf(input, scope)
  const table = tableOf(ctx, input.TableName)
  return { table, key, condition, next, returnOldOnFailure: returnsOld(input) }
}

export function planDelete(
  ctx: OperationContext,
  input: ConditionInput & { TableName: string; Key: unknown },
): WritePlan {
  return planKeyed(ctx, input, () => null)
}

export function planConditionCheck(
  ctx: OperationContext,
  input: ConditionInput & { TableName: string; Key: unknown },
): WritePlan {
  return planKeyed(ctx, input, () => undefined)
}

export function planUpdate(
  ctx: OperationContext,
  input: ConditionInput & { TableName: string; Key: unknown; UpdateExpression?: string },
): WritePlan & { paths: ReturnType<typeof updatedPaths> } {
  const text = input.UpdateExpression
  const scope = scopeOf(input, ['UpdateExpression', 'ConditionExpression'])
  const key = keyFrom(input.Key)
  let actions: ReturnType<typeof parseUpdate> | undefined
  const condition = conditionOf(
    input,
    scope,
    text === undefined
      ? undefined
      : (scope) => {
          actions = parseUpdate(text, scope)
        },
  )
  const table = tableOf(ctx, input.TableName)
  const paths = actions ? updatedPaths(actions) : []
  const { partitionKey, sortKey } = table.definition
  for (const path of paths) {
    if (path[0] === partitionKey || path[0] === sortKey) {
      throw validationError(
        `One or more parameter values were invalid: Cannot update attribute ${path[0]}. This attribute is part of the key`,
      )
    }
  }
  return {
    table,
    key,
    condition,
    paths,
    returnOldOnFailure: returnsOld(input),
    next(current) {
      const next = actions ? applyUpdate(current, key, actions) : (current ?? { ...key })
      if (itemSize(next) > MAX_ITEM_BYTES) {
        throw validationError('Item size to update has exceeded the maximum allowed size')
      }
      // Index keys the update sets must be of their types: checked here, before any write of a
      // transaction is applied.
      keyOfItem(table, next)
      return next
    },
  }
}

// Members in the order DynamoDB reports their violations (recorded from AWS); those newer than the
// recordings last.
const PUT_SPEC = {
  ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
  TableName: { ...TABLE_NAME, notNull: true },
  Item: { ...ATTRIBUTE_MAP, notNull: true },
  ConditionalOperator: CONDITIONAL_OPERATOR,
  Expected: EXPECTED,
  ReturnValues: RETURN_VALUES,
  ReturnItemCollectionMetrics: RETURN_ITEM_COLLECTION_METRICS,
  ...CONDITION_INPUT,
  ReturnValuesOnConditionCheckFailure: RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
} as const

/**
 * PutItem and DeleteItem: `ReturnValues` NONE or ALL_OLD only (checked before the request is
 * planned, as DynamoDB orders its errors), the condition checked, the write, the old item back.
 */
function writeOne(
  input: { ReturnValues?: string; Expected?: unknown; ConditionalOperator?: unknown },
  plan: () => WritePlan,
) {
  refuseLegacy(input, 'Expected', 'ConditionalOperator')
  const returnValues = input.ReturnValues ?? 'NONE'
  if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD')
    throw validationError('Return values set to invalid value')
  const planned = plan()
  const old = check(planned)
  write(planned, old)
  return returnValues === 'ALL_OLD' && old ? { Attributes: toAttributeMap(old) } : {}
}

export const putItem = defineOperation({
  name: 'PutItem',
  spec: PUT_SPEC,
  handle(input, ctx) {
    return writeOne(input, () => planPut(ctx, input))
  },
})

export const getItem = defineOperation({
  name: 'GetItem',
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    AttributesToGet: ATTRIBUTES_TO_GET,
    TableName: { ...TABLE_NAME, notNull: true },
    Key: { ...ATTRIBUTE_MAP, notNull: true },
    ConsistentRead: { type: 'Boolean' },
    ProjectionExpression: { type: 'String' },
    ExpressionAttributeNames: EXPRESSION_NAMES,
  },
  handle(input, ctx) {
    refuseLegacy(input, 'AttributesToGet')
    const scope = scopeOf(input, ['ProjectionExpression'])
    const key = keyFrom(input.Key)
    const paths = projectionOf(input.ProjectionExpression, scope)
    scope.checkAllUsed()
    const table = tableOf(ctx, input.TableName)
    const item = wire(() => table.get(key as TableKey))
    return item ? { Item: toAttributeMap(projected(item, paths)) } : {}
  },
})

export const deleteItem = defineOperation({
  name: 'DeleteItem',
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    TableName: { ...TABLE_NAME, notNull: true },
    ReturnValues: RETURN_VALUES,
    ReturnItemCollectionMetrics: RETURN_ITEM_COLLECTION_METRICS,
    Key: { ...ATTRIBUTE_MAP, notNull: true },
    ConditionalOperator: CONDITIONAL_OPERATOR,
    Expected: EXPECTED,
    ...CONDITION_INPUT,
    ReturnValuesOnConditionCheckFailure: RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
  },
  handle(input, ctx) {
    return writeOne(input, () => planDelete(ctx, input))
  },
})

export const updateItem = defineOperation({
  name: 'UpdateItem',
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    TableName: { ...TABLE_NAME, notNull: true },
    ReturnItemCollectionMetrics: RETURN_ITEM_COLLECTION_METRICS,
    ReturnValues: RETURN_VALUES,
    Key: { ...ATTRIBUTE_MAP, notNull: true },
    ConditionalOperator: CONDITIONAL_OPERATOR,
    Expected: EXPECTED,
    AttributeUpdates: ATTRIBUTE_UPDATES,
    ConditionExpression: { type: 'String' },
    UpdateExpression: { type: 'String' },
    ExpressionAttributeValues: EXPRESSION_VALUES,
    ExpressionAttributeNames: EXPRESSION_NAMES,
    ReturnValuesOnConditionCheckFailure: RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
  },
  handle(input, ctx) {
    refuseLegacy(input, 'AttributeUpdates', 'Expected', 'ConditionalOperator')
    const plan = planUpdate(ctx, input)
    const old = check(plan)
    const next = write(plan, old) as Item
    switch (input.ReturnValues ?? 'NONE') {
      case 'ALL_OLD':
        return old ? { Attributes: toAttributeMap(old) } : {}
      case 'ALL_NEW':
        return { Attributes: toAttributeMap(next) }
      case 'UPDATED_OLD': {
        const part = old ? projectItem(old, plan.paths) : {}
        return Object.keys(part).length > 0 ? { Attributes: toAttributeMap(part) } : {}
      }
      case 'UPDATED_NEW': {
        const part = projectItem(next, plan.paths)
        return Object.keys(part).length > 0 ? { Attributes: toAttributeMap(part) } : {}
      }
      default:
        return {}
    }
  },
})
