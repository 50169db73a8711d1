/**
 * What a handler's response means for an SQS batch with ReportBatchItemFailures, by AWS's rules
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
 * - success: a null/undefined/empty response, no `batchItemFailures`, or an empty or null list;
 * - failure of the whole batch: any entry whose `itemIdentifier` is missing, null, empty, not a
 *   string, or not the messageId of a message in the batch (a misspelled key counts as missing);
 * - otherwise a partial failure: only the listed messages stay in the queue.
 *
 * A response that is not an object (a string, a number) carries no failures and counts as a
 * success, the same reading the Kinesis mapping gives it.
 */
export type SqsBatchVerdict =
  | { kind: 'success' }
  | { kind: 'partial'; failed: ReadonlySet<string> }
  | { kind: 'failure'; reason: string }

export function judgeSqsBatchResponse(result: unknown, messageIds: ReadonlySet<string>): SqsBatchVerdict {
  if (result === null || result === undefined || typeof result !== 'object') return { kind: 'success' }
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures
  if (failures === undefined || failures === null) return { kind: 'success' }
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' }
  if (failures.length === 0) return { kind: 'success' }
  const failed = new Set<string>()
  for (const entry of failures) {
    const id =
      entry !== null && typeof entry === 'object'
        ? (entry as { itemIdentifier?: unknown }).itemIdentifier
        : undefined
    if (typeof id !== 'string' || id === '') {
      return { kind: 'failure', reason: 'an itemIdentifier is missing or empty' }
    }
    if (!messageIds.has(id))
      return { kind: 'failure', reason: `itemIdentifier ${id} is not a message of the batch` }
    failed.add(id)
  }
  return { kind: 'partial', failed }
}
