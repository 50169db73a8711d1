import type { AwsService, JsonProtocol } from '../dispatch.ts'
import type { Operation } from '../operation.ts'
import { batchGetItem, batchWriteItem } from './batch.ts'
import { deleteItem, getItem, putItem, updateItem } from './items.ts'
import { query, scan } from './reads.ts'
import { createTable, deleteTable, describeTable, listTables } from './tables.ts'
import { listTagsOfResource, tagResource, untagResource } from './tags.ts'
import { transactGetItems, transactWriteItems } from './transactions.ts'
import { describeTimeToLive, updateTimeToLive } from './ttl.ts'
import { DYNAMODB_TYPE_DIALECT } from './type-errors.ts'
import { updateTable } from './update-table.ts'

/** DynamoDB's X-Amz-Target prefix (API version 2012-08-10). */
export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810'

/**
 * Errors the service front end (Coral) raises before DynamoDB's own code runs: their `__type` is
 * in Coral's namespace, not DynamoDB's.
 */
const CORAL_SERVICE_ERRORS = new Set([
  'SerializationException',
  'UnknownOperationException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'AccessDeniedException',
  'UnrecognizedClientException',
])

/**
 * DynamoDB's errors: `{"__type":"com.amazonaws.dynamodb.v20120810#<code>","message":...}`, but
 * `com.amazon.coral.validate#ValidationException`, the front end's in `com.amazon.coral.service`,
 * and a SerializationException's message under `Message` (as recorded from AWS).
 */
export const DYNAMODB_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.0',
  errorType(code) {
    if (code === 'ValidationException') return `com.amazon.coral.validate#${code}`
    if (CORAL_SERVICE_ERRORS.has(code)) return `com.amazon.coral.service#${code}`
    return `com.amazonaws.dynamodb.v20120810#${code}`
  },
  typeErrors: DYNAMODB_TYPE_DIALECT,
  keepsMessageKey: true,
}

/** DynamoDB's operations by name (the X-Amz-Target suffix). */
export const DYNAMODB_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  (
    [
      listTables,
      describeTable,
      createTable,
      deleteTable,
      updateTable,
      updateTimeToLive,
      describeTimeToLive,
      putItem,
      getItem,
      updateItem,
      deleteItem,
      query,
      scan,
      batchGetItem,
      batchWriteItem,
      transactWriteItems,
      transactGetItems,
      tagResource,
      untagResource,
      listTagsOfResource,
    ] as Operation[]
  ).map((op) => [op.name, op]),
)

export const DYNAMODB_SERVICE: AwsService = {
  targetPrefix: DYNAMODB_TARGET_PREFIX,
  signingName: 'dynamodb',
  operations: DYNAMODB_OPERATIONS,
  protocol: DYNAMODB_PROTOCOL,
}
