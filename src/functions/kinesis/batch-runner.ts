import type { InvokeOutcome } from '../../contracts/functions.ts'
import type { Clock } from '../../util/clock.ts'
import { judgeBatchItemFailures } from '../batch-item-failures.ts'
import type { MappedRecord } from './event.ts'

/** The error-handling knobs of a stream event source mapping (AWS's names and meanings). */
export interface RetryPolicy {
  /** -1: retry until the records expire. */
  maximumRetryAttempts: number
  /** -1: no limit. */
  maximumRecordAgeInSeconds: number
  bisectBatchOnFunctionError: boolean
  reportBatchItemFailures: boolean
}

export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded'

export interface BatchRunnerDeps {
  clock: Clock
  policy: RetryPolicy
  /** Invokes the function with these records (builds the event). */
  invoke(records: MappedRecord[]): Promise<InvokeOutcome>
  /** Records given up on: to the on-failure destination (metadata only), if one is configured. */
  discard(
    records: MappedRecord[],
    condition: DiscardCondition,
    invokeCount: number,
    last: InvokeOutcome | undefined,
  ): Promise<void>
  /** Every record before `ordinal` is done (processed or discarded): the checkpoint may move. */
  done(ordinal: number): void
  /** True once the mapping is stopping: give up between attempts, leaving the checkpoint alone. */
  stopped(): boolean
  /** Waits `ms` on the clock (or less, if the mapping stops meanwhile). */
  sleep(ms: number): Promise<void>
}

interface Work {
  records: MappedRecord[]
  /** Retries consumed (bisecting consumes none). */
  retries: number
  /** Invocations made for these records, for the failure record's approximateInvokeCount. */
  invocations: number
}

const BACKOFF_START_MS = 100
const BACKOFF_MAX_MS = 10_000

function backoff(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, attempt - 1))
}

function isFunctionError(o: InvokeOutcome): boolean {
  return o.kind === 'error' || o.kind === 'timeout' || o.kind === 'crash'
}

/**
 * Takes one batch to completion with Lambda's stream semantics: retries with backoff, optional
 * bisection on function errors (which consumes no retries), partial batch responses (checkpoint
 * at the lowest failed record and retry from it), a maximum retry count and record age (records
 * given up on go to the on-failure destination), and throttles retried without limit. Records are
 * always finished in order, so the checkpoint only ever moves forward over finished records.
 */
export async function runBatch(records: MappedRecord[], deps: BatchRunnerDeps): Promise<void> {
  const { policy } = deps
  const queue: Work[] = [{ records, retries: 0, invocations: 0 }]
  let throttles = 0
  while (queue.length > 0) {
    if (deps.stopped()) return
    const work = queue[0]!
    if (policy.maximumRecordAgeInSeconds >= 0) {
      const oldest = deps.clock.now() - policy.maximumRecordAgeInSeconds * 1000
      let expired = 0
      while (expired < work.records.length && work.records[expired]!.timestamp < oldest) expired++
      if (expired > 0) {
        const gone = work.records.splice(0, expired)
        await deps.discard(gone, 'RecordAgeExceeded', work.invocations, undefined)
        deps.done(gone[gone.length - 1]!.ordinal + 1)
        if (work.records.length === 0) {
          queue.shift()
          continue
        }
      }
    }
    const outcome = await deps.invoke(work.records)
    if (outcome.kind === 'throttled') {
      // Lambda retries throttled invocations until the records expire; no retry is consumed.
      await deps.sleep(backoff(++throttles))
      continue
    }
    throttles = 0
    work.invocations++
    let failedFrom: number | undefined
    if (outcome.kind === 'ok') {
      const verdict = policy.reportBatchItemFailures
        ? judgeBatchItemFailures(
            'kinesis',
            outcome.result,
            work.records.map((r) => r.sequenceNumber),
          )
        : ({ kind: 'success' } as const)
      if (verdict.kind === 'success') {
        queue.shift()
        deps.done(work.records[work.records.length - 1]!.ordinal + 1)
        continue
      }
      failedFrom = verdict.kind === 'partial' ? verdict.fromIndex : 0
    } else if (isFunctionError(outcome)) {
      failedFrom = 0
      if (policy.bisectBatchOnFunctionError && work.records.length > 1) {
        // Splitting isolates a bad record without consuming the retry quota.
        const half = Math.ceil(work.records.length / 2)
        queue.splice(
          0,
          1,
          { records: work.records.slice(0, half), retries: work.retries, invocations: work.invocations },
          { records: work.records.slice(half), retries: work.retries, invocations: work.invocations },
        )
        continue
      }
    }
    if (failedFrom !== undefined && failedFrom > 0) {
      // A partial success: the records before the lowest failure are done.
      deps.done(work.records[failedFrom - 1]!.ordinal + 1)
      work.records = work.records.slice(failedFrom)
    }
    work.retries++
    if (policy.maximumRetryAttempts >= 0 && work.retries > policy.maximumRetryAttempts) {
      await deps.discard(work.records, 'RetryAttemptsExhausted', work.invocations, outcome)
      queue.shift()
      deps.done(work.records[work.records.length - 1]!.ordinal + 1)
      continue
    }
    await deps.sleep(backoff(work.retries))
  }
}
