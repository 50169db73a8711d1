/**
 * Partial batch responses (`ReportBatchItemFailures`), read once by AWS's rules and interpreted
 * per event source, in the way of Powertools' `COLLECTOR_MAPPING`: what a response says is the
 * same for every source; what a failed item means (a checkpoint, a message left in the queue) is
 * a row of {@link INTERPRETATIONS}.
 *
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */

/**
 * What a handler's response lists, by AWS's rules:
 * - `none` (success): a null/undefined response or one that is not an object (a string, a
 *   number), no `batchItemFailures`, or an empty or null list;
 * - `invalid` (the whole batch failed): a list that is not a list, or any entry whose
 *   `itemIdentifier` is missing, null, empty or not a string (a misspelled key counts as missing);
 * - `listed`: the identifiers, in the order given (duplicates kept).
 */
export type BatchItemFailures =
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'listed'; identifiers: readonly string[] }

const NONE: BatchItemFailures = { kind: 'none' }

/**
 * Reads the failed items of a batch response, before any event source gives them a meaning.
 *
 * @example
 * readBatchItemFailures({ batchItemFailures: [{ itemIdentifier: 'm-1' }] })
 * // { kind: 'listed', identifiers: ['m-1'] }
 */
export function readBatchItemFailures(result: unknown): BatchItemFailures {
  if (result === null || result === undefined || typeof result !== 'object') return NONE
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures
  if (failures === undefined || failures === null) return NONE
  if (!Array.isArray(failures)) return { kind: 'invalid', reason: 'batchItemFailures is not a list' }
  if (failures.length === 0) return NONE
  const identifiers: string[] = []
  for (const entry of failures) {
    const id =
      entry !== null && typeof entry === 'object'
        ? (entry as { itemIdentifier?: unknown }).itemIdentifier
        : undefined
    if (typeof id !== 'string' || id === '')
      return { kind: 'invalid', reason: 'an itemIdentifier is missing or empty' }
    identifiers.push(id)
  }
  return { kind: 'listed', identifiers }
}

/** Per event source: the batch an answer is checked against, and what a partial failure holds. */
interface Sources {
  /** The batch's sequence numbers, in order; retried from the lowest failed one. */
  kinesis: { batch: readonly string[]; partial: { fromIndex: number } }
  /** The batch's message ids; only the listed messages stay in the queue. */
  sqs: { batch: ReadonlySet<string>; partial: { failed: ReadonlySet<string> } }
}

export type EventSourceKind = keyof Sources

/** Gives listed identifiers their meaning for one source, or says why they fail the batch. */
type Interpretations = {
  [S in EventSourceKind]: (
    identifiers: readonly string[],
    batch: Sources[S]['batch'],
  ) => Sources[S]['partial'] | string
}

/** An identifier the batch does not hold fails the whole batch (AWS's rule for every source). */
const INTERPRETATIONS: Interpretations = {
  kinesis(identifiers, sequenceNumbers) {
    let lowest = Number.POSITIVE_INFINITY
    for (const id of identifiers) {
      const index = sequenceNumbers.indexOf(id)
      if (index < 0) return `itemIdentifier ${id} is not in the batch`
      if (index < lowest) lowest = index
    }
    return { fromIndex: lowest }
  },
  sqs(identifiers, messageIds) {
    for (const id of identifiers)
      if (!messageIds.has(id)) return `itemIdentifier ${id} is not a message of the batch`
    return { failed: new Set(identifiers) }
  },
}

/** What a batch response means for a batch of `source`. */
export type BatchVerdict<S extends EventSourceKind> =
  | { kind: 'success' }
  | ({ kind: 'partial' } & Sources[S]['partial'])
  | { kind: 'failure'; reason: string }

const SUCCESS = { kind: 'success' } as const

/**
 * Judges a handler's response to a batch of `source` with ReportBatchItemFailures on.
 *
 * @example
 * judgeBatchItemFailures('kinesis', { batchItemFailures: [{ itemIdentifier: '200' }] }, ['100', '200'])
 * // { kind: 'partial', fromIndex: 1 }
 */
export function judgeBatchItemFailures<S extends EventSourceKind>(
  source: S,
  result: unknown,
  batch: Sources[S]['batch'],
): BatchVerdict<S> {
  const read = readBatchItemFailures(result)
  if (read.kind === 'none') return SUCCESS
  if (read.kind === 'invalid') return { kind: 'failure', reason: read.reason }
  const interpret: Interpretations[S] = INTERPRETATIONS[source]
  const meaning = interpret(read.identifiers, batch)
  if (typeof meaning === 'string') return { kind: 'failure', reason: meaning }
  return { kind: 'partial', ...meaning }
}
