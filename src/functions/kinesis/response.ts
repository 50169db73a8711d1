/**
 * What a batch response with ReportBatchItemFailures means, by AWS's rules:
 * - success: a null/undefined/empty response, no `batchItemFailures`, or an empty or null list;
 * - failure of the whole batch: any entry whose `itemIdentifier` is missing, null, empty, not a
 *   string, or not a sequence number of the batch (e.g. a misspelled key like `itemId`);
 * - otherwise a partial failure: the batch is checkpointed before the lowest failed sequence
 *   number and retried from it.
 */
export type BatchVerdict =
  | { kind: 'success' }
  | { kind: 'partial'; fromIndex: number }
  | { kind: 'failure'; reason: string }

export function judgeBatchResponse(result: unknown, sequenceNumbers: readonly string[]): BatchVerdict {
  if (result === null || result === undefined || typeof result !== 'object') return { kind: 'success' }
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures
  if (failures === undefined || failures === null) return { kind: 'success' }
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' }
  if (failures.length === 0) return { kind: 'success' }
  let lowest = Number.POSITIVE_INFINITY
  for (const f of failures) {
    const id =
      f !== null && typeof f === 'object' ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined
    if (typeof id !== 'string' || id === '')
      return { kind: 'failure', reason: 'an itemIdentifier is missing or empty' }
    const index = sequenceNumbers.indexOf(id)
    if (index < 0) return { kind: 'failure', reason: `itemIdentifier ${id} is not in the batch` }
    lowest = Math.min(lowest, index)
  }
  return { kind: 'partial', fromIndex: lowest }
}
