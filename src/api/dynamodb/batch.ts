import type { TableKey } from '../../bindings/index.ts'
import { validationError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { ATTRIBUTE_MAP, toAttributeMap } from './attribute-values.ts'
import {
  ATTRIBUTES_TO_GET,
  EXPRESSION_NAMES,
  keyFrom,
  keyText,
  projected,
  projectionOf,
  RETURN_CONSUMED_CAPACITY,
  RETURN_ITEM_COLLECTION_METRICS,
  refuseLegacy,
  scopeOf,
  tableOf,
  wire,
} from './common.ts'
import { check, planDelete, planPut, type WritePlan, write, writeTogether } from './items.ts'

const DUPLICATES = 'Provided list of item keys contains duplicates'

export const batchGetItem = defineOperation({
  name: 'BatchGetItem',
  // Members in the order DynamoDB reports their violations (recorded from AWS). Table names (the
  // map's keys) may be ARNs: 1 to 1024 characters, as AWS documents them now.
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    RequestItems: {
      type: 'Map',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 100,
      childKeyLengths: [1, 1024],
      checkValues: true,
      children: {
        type: 'Structure',
        shape: 'KeysAndAttributes',
        children: {
          Keys: {
            type: 'List',
            notNull: true,
            lengthGreaterThanOrEqual: 1,
            lengthLessThanOrEqual: 100,
            children: ATTRIBUTE_MAP,
          },
          AttributesToGet: ATTRIBUTES_TO_GET,
          ConsistentRead: { type: 'Boolean' },
          ProjectionExpression: { type: 'String' },
          ExpressionAttributeNames: EXPRESSION_NAMES,
        },
      },
    },
  },
  handle(input, ctx) {
    const requests = Object.entries(input.RequestItems)
    if (requests.reduce((n, [, r]) => n + r.Keys.length, 0) > 100) {
      throw validationError('Too many items requested for the BatchGetItem call')
    }
    const reads = requests.map(([name, request]) => {
      refuseLegacy(request, 'AttributesToGet')
      const table = tableOf(ctx, name)
      const scope = scopeOf(request, request.ProjectionExpression !== undefined)
      const paths = projectionOf(request.ProjectionExpression, scope)
      scope.checkAllUsed()
      const keys = request.Keys.map(keyFrom)
      const seen = new Set<string>()
      for (const key of keys) {
        const text = keyText(table, key)
        if (seen.has(text)) throw validationError(DUPLICATES)
        seen.add(text)
      }
      return { name, table, keys, paths }
    })
    const responses: Record<string, unknown[]> = {}
    for (const { name, table, keys, paths } of reads) {
      const items = keys.map((key) => wire(() => table.get(key as TableKey)))
      responses[name] = items.flatMap((item) => (item ? [toAttributeMap(projected(item, paths))] : []))
    }
    return { Responses: responses, UnprocessedKeys: {} }
  },
})

export const batchWriteItem = defineOperation({
  name: 'BatchWriteItem',
  spec: {
    ReturnConsumedCapacity: RETURN_CONSUMED_CAPACITY,
    ReturnItemCollectionMetrics: RETURN_ITEM_COLLECTION_METRICS,
    RequestItems: {
      type: 'Map',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 25,
      childKeyLengths: [1, 1024],
      childValueLengths: [1, 25],
      checkValues: true,
      children: {
        type: 'List',
        children: {
          type: 'Structure',
          shape: 'WriteRequest',
          children: {
            DeleteRequest: {
              type: 'Structure',
              shape: 'DeleteRequest',
              children: { Key: { ...ATTRIBUTE_MAP, notNull: true } },
            },
            PutRequest: {
              type: 'Structure',
              shape: 'PutRequest',
              children: { Item: { ...ATTRIBUTE_MAP, notNull: true } },
            },
          },
        },
      },
    },
  },
  handle(input, ctx) {
    const requests = Object.entries(input.RequestItems)
    if (requests.reduce((n, [, r]) => n + r.length, 0) > 25) {
      throw validationError('Too many items requested for the BatchWriteItem call')
    }
    const plans: WritePlan[] = []
    const seen = new Set<string>()
    for (const [TableName, writes] of requests) {
      for (const request of writes) {
        if ((request.PutRequest === undefined) === (request.DeleteRequest === undefined)) {
          throw validationError(
            'One or more parameter values were invalid: a WriteRequest must hold exactly one of PutRequest and DeleteRequest',
          )
        }
        const plan = request.PutRequest
          ? planPut(ctx, { TableName, Item: request.PutRequest.Item })
          : planDelete(ctx, { TableName, Key: request.DeleteRequest!.Key })
        const text = keyText(plan.table, plan.key)
        if (seen.has(text)) throw validationError(DUPLICATES)
        seen.add(text)
        plans.push(plan)
      }
    }
    // Keys are checked before anything is written, so a bad key refuses the whole batch.
    const currents = plans.map((plan) => check(plan))
    writeTogether(ctx, () => {
      for (const [i, plan] of plans.entries()) write(plan, currents[i])
    })
    return { UnprocessedItems: {} }
  },
})
