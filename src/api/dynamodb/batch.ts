import type { TableKey } from '../../bindings/index.ts'
import { itemSize, MAX_ITEM_BYTES } from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { ATTRIBUTE_MAP, fromAttributeMap, toAttributeMap } from './attribute-values.ts'
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
    // What a request holds is checked without its table (parse); its keys' duplicates with it.
    const parse = (request: (typeof requests)[number][1]) => {
      refuseLegacy(request, 'AttributesToGet')
      const scope = scopeOf(request, ['ProjectionExpression'])
      const paths = projectionOf(request.ProjectionExpression, scope)
      scope.checkAllUsed()
      return { paths, keys: request.Keys.map(keyFrom) }
    }
    const read = ([name, request]: (typeof requests)[number]) => {
      const { paths, keys } = parse(request)
      const table = tableOf(ctx, name)
      const seen = new Set<string>()
      for (const key of keys) {
        const text = keyText(table, key)
        if (seen.has(text)) throw validationError(DUPLICATES)
        seen.add(text)
      }
      return { name, table, keys, paths }
    }
    const reads = notFoundLast(
      () => requests.map(read),
      () => {
        for (const [, request] of requests) {
          parse(request)
          const keys = request.Keys.map((key) => JSON.stringify(Object.entries(key).sort()))
          if (new Set(keys).size !== keys.length) throw validationError(DUPLICATES)
        }
      },
    )
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
    const plans = notFoundLast(
      () => planWrites(ctx, requests),
      () => checkWrites(requests),
    )
    // Keys are checked before anything is written, so a bad key refuses the whole batch.
    const currents = plans.map((plan) => check(plan))
    writeTogether(ctx, () => {
      for (const [i, plan] of plans.entries()) write(plan, currents[i])
    })
    return { UnprocessedItems: {} }
  },
})

type WriteRequests = [string, { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]][]

/**
 * Runs `run`; when it finds a table missing, first runs `check`, which validates every request of
 * the batch without its tables: DynamoDB reports a malformed request before a missing table, and
 * this keeps the happy path from converting values twice.
 */
function notFoundLast<T>(run: () => T, check: () => void): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ResourceNotFoundException') check()
    throw error
  }
}

function checkWriteRequest(request: WriteRequests[number][1][number]): void {
  // DynamoDB's words for an empty WriteRequest (recorded from AWS), odd as they are.
  if (request.PutRequest === undefined && request.DeleteRequest === undefined) {
    throw validationError(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    )
  }
  if (request.PutRequest !== undefined && request.DeleteRequest !== undefined) {
    throw validationError(
      'One or more parameter values were invalid: a WriteRequest must hold exactly one of PutRequest and DeleteRequest',
    )
  }
}

function planWrites(ctx: OperationContext, requests: WriteRequests): WritePlan[] {
  const plans: WritePlan[] = []
  const seen = new Set<string>()
  for (const [TableName, writes] of requests) {
    for (const request of writes) {
      checkWriteRequest(request)
      const plan = request.PutRequest
        ? planPut(ctx, { TableName, Item: request.PutRequest.Item })
        : planDelete(ctx, { TableName, Key: request.DeleteRequest!.Key })
      const text = keyText(plan.table, plan.key)
      if (seen.has(text)) throw validationError(DUPLICATES)
      seen.add(text)
      plans.push(plan)
    }
  }
  return plans
}

/** What planWrites checks of each request before it needs the request's table. */
function checkWrites(requests: WriteRequests): void {
  for (const [, writes] of requests) {
    for (const request of writes) {
      checkWriteRequest(request)
      if (request.DeleteRequest) fromAttributeMap(request.DeleteRequest.Key)
      else if (itemSize(fromAttributeMap(request.PutRequest!.Item)) > MAX_ITEM_BYTES)
        throw validationError('Item size has exceeded the maximum allowed size')
    }
  }
}
