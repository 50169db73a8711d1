import type { TableKey } from '../../bindings/index.ts'
import type { Item } from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { ATTRIBUTE_MAP, toAttributeMap } from './attribute-values.ts'
import {
  EXPRESSION_NAMES,
  EXPRESSION_VALUES,
  keyFrom,
  keyText,
  projected,
  projectionOf,
  RETURN_CONSUMED_CAPACITY,
  RETURN_ITEM_COLLECTION_METRICS,
  scopeOf,
  TABLE_NAME,
  tableOf,
  wire,
} from './common.ts'
import { check, planConditionCheck, planDelete, planPut, planUpdate, write, writeTogether } from './items.ts'

/*
 * Transactions: every condition is checked and every new item computed before anything is
 * written, in one synchronous step (no other request interleaves). The writes are one SQLite
 * transaction, so a crash leaves all of them or none.
 */

const CONDITIONAL = {
  ConditionExpression: { type: 'String' },
  ExpressionAttributeNames: EXPRESSION_NAMES,
  ExpressionAttributeValues: EXPRESSION_VALUES,
  ReturnValuesOnConditionCheckFailure: { type: 'String', enum: ['ALL_OLD', 'NONE'] },
} as const

export const transactWriteItems = defineOperation({
  name: 'TransactWriteItems',
  // Members in the order DynamoDB reports their violations (recorded from AWS: a Delete's before a
  // Put's). Within an action only the key or item is checked for null ({ Put: {} } is one
  // violation, put.item): a missing TableName is a table not found.
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    ReturnItemCollectionMetrics: RETURN_ITEM_COLLECTION_METRICS,
    TransactItems: {
      type: 'List',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 100,
      children: {
        type: 'Structure',
        shape: 'TransactWriteItem',
        children: {
          ConditionCheck: {
            type: 'Structure',
            shape: 'ConditionCheck',
            children: { Key: { ...ATTRIBUTE_MAP, notNull: true }, TableName: TABLE_NAME, ...CONDITIONAL },
          },
          Delete: {
            type: 'Structure',
            shape: 'Delete',
            children: { Key: { ...ATTRIBUTE_MAP, notNull: true }, TableName: TABLE_NAME, ...CONDITIONAL },
          },
          Put: {
            type: 'Structure',
            shape: 'Put',
            children: { Item: { ...ATTRIBUTE_MAP, notNull: true }, TableName: TABLE_NAME, ...CONDITIONAL },
          },
          Update: {
            type: 'Structure',
            shape: 'Update',
            children: {
              Key: { ...ATTRIBUTE_MAP, notNull: true },
              UpdateExpression: { type: 'String' },
              TableName: TABLE_NAME,
              ...CONDITIONAL,
            },
          },
        },
      },
    },
    ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
  },
  handle(input, ctx) {
    const seen = new Set<string>()
    const plans = input.TransactItems.map((item) => {
      const given = [item.ConditionCheck, item.Put, item.Delete, item.Update].filter((x) => x !== undefined)
      if (given.length === 0) {
        throw validationError(
          'The action or operation requested is invalid. Verify that the action is typed correctly.',
        )
      }
      if (given.length !== 1) {
        throw validationError('TransactItems can only contain one of Check, Put, Update or Delete')
      }
      const named = <T extends { TableName?: string }>(action: T) => ({
        ...action,
        TableName: action.TableName ?? '',
      })
      const plan = item.ConditionCheck
        ? planConditionCheck(ctx, named(item.ConditionCheck))
        : item.Put
          ? planPut(ctx, named(item.Put))
          : item.Delete
            ? planDelete(ctx, named(item.Delete))
            : planUpdate(ctx, named(item.Update!))
      const text = keyText(plan.table, plan.key)
      if (seen.has(text)) {
        throw validationError('Transaction request cannot include multiple operations on one item')
      }
      seen.add(text)
      return plan
    })
    // Every condition is checked, and every new item computed, before anything is written.
    const reasons: string[] = []
    const oldItems = new Map<number, unknown>()
    const writes: Array<() => void> = []
    for (const plan of plans) {
      let current: Item | undefined
      try {
        current = check(plan)
      } catch (error) {
        if (!(error instanceof AwsError) || error.code !== 'ConditionalCheckFailedException') throw error
        if (error.fields.Item !== undefined) oldItems.set(reasons.length, error.fields.Item)
        reasons.push('ConditionalCheckFailed')
        continue
      }
      try {
        const next = plan.next(current)
        writes.push(() => write({ ...plan, next: () => next }, current))
        reasons.push('None')
      } catch (error) {
        if (!(error instanceof AwsError) || error.code !== 'ValidationException') throw error
        reasons.push('ValidationError')
      }
    }
    if (reasons.some((r) => r !== 'None')) {
      throw new AwsError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`,
        400,
        'message',
        {
          CancellationReasons: reasons.map((code, i) => {
            const reason = cancellationReason(code)
            return oldItems.has(i) ? { Item: oldItems.get(i), ...reason } : reason
          }),
        },
      )
    }
    writeTogether(ctx, () => {
      for (const apply of writes) apply()
    })
    return {}
  },
})

export const transactGetItems = defineOperation({
  name: 'TransactGetItems',
  spec: {
    TransactItems: {
      type: 'List',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 100,
      children: {
        type: 'Structure',
        shape: 'TransactGetItem',
        children: {
          Get: {
            type: 'Structure',
            shape: 'Get',
            notNull: true,
            children: {
              Key: { ...ATTRIBUTE_MAP, notNull: true },
              TableName: { ...TABLE_NAME, notNull: true },
              ProjectionExpression: { type: 'String' },
              ExpressionAttributeNames: EXPRESSION_NAMES,
            },
          },
        },
      },
    },
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
  },
  handle(input, ctx) {
    const reads = input.TransactItems.map(({ Get }) => {
      const table = tableOf(ctx, Get.TableName)
      const scope = scopeOf(Get, ['ProjectionExpression'])
      const paths = projectionOf(Get.ProjectionExpression, scope)
      scope.checkAllUsed()
      return { table, key: keyFrom(Get.Key), paths }
    })
    return {
      Responses: reads.map(({ table, key, paths }) => {
        const item = wire(() => table.get(key as TableKey))
        return item ? { Item: toAttributeMap(projected(item, paths)) } : {}
      }),
    }
  },
})

/** A CancellationReasons entry, as DynamoDB lists one per item of the transaction. */
function cancellationReason(code: string): { Code: string; Message?: string } {
  if (code === 'ConditionalCheckFailed') return { Code: code, Message: 'The conditional request failed' }
  if (code === 'ValidationError') return { Code: code, Message: 'One or more parameter values were invalid' }
  return { Code: code }
}
