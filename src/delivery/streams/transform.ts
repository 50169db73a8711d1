import { randomUUID } from 'node:crypto'
import type { InvokeOutcome, Invoker } from '../../contracts/functions.ts'
import type { DeliveryRecord, FailedRecord } from './records.ts'

/** Lambda's synchronous invocation payload limit: a transformation batch stays under it. */
const MAX_INVOKE_PAYLOAD = 6 * 1024 * 1024

export interface TransformConfig {
  functionName: string
  /** Firehose's processor BufferSizeInMBs: the data handed to one invocation. */
  bufferBytes: number
  numberOfRetries: number
  deliveryStreamArn: string
  region: string
  /** Set when the source is a Kinesis stream (the event then carries kinesisRecordMetadata). */
  source?: { streamArn: string; shardId: string }
  lambdaArn: string
}

export interface TransformedRecord {
  record: DeliveryRecord
  /** `metadata.partitionKeys` returned by the function (dynamic partitioning). */
  partitionKeys: Record<string, string> | undefined
}

export interface TransformResult {
  ok: TransformedRecord[]
  dropped: number
  failed: FailedRecord[]
  invocations: number
}

type Verdict =
  | { kind: 'ok'; records: TransformedRecord[]; dropped: number; failed: FailedRecord[] }
  | { kind: 'retry'; errorCode: string; errorMessage: string }

/**
 * Runs records through a transformation function with Firehose's contract: batches of at most
 * `bufferBytes`, each record answered by recordId with Ok / Dropped / ProcessingFailed. An
 * invocation that fails (error, timeout, throttle) or answers malformed is retried
 * `numberOfRetries` times; then its records go to the error prefix as `processing-failed`.
 */
export async function transform(
  records: readonly DeliveryRecord[],
  config: TransformConfig,
  invoker: Invoker,
  now: () => number,
): Promise<TransformResult> {
  const result: TransformResult = { ok: [], dropped: 0, failed: [], invocations: 0 }
  for (const batch of batches(records, Math.min(config.bufferBytes, MAX_INVOKE_PAYLOAD))) {
    const event = buildEvent(batch, config)
    let attempts = 0
    let verdict: Verdict = { kind: 'retry', errorCode: 'Lambda.FunctionError', errorMessage: '' }
    while (attempts <= config.numberOfRetries) {
      attempts++
      result.invocations++
      verdict = judge(batch, await invoker.invoke(config.functionName, event), config, now)
      if (verdict.kind === 'ok') break
    }
    if (verdict.kind === 'ok') {
      result.ok.push(...verdict.records)
      result.dropped += verdict.dropped
      result.failed.push(...verdict.failed)
      continue
    }
    const ending = now()
    for (const record of batch) {
      result.failed.push({
        record,
        outputType: 'processing-failed',
        errorCode: verdict.errorCode,
        errorMessage: verdict.errorMessage,
        attemptsMade: attempts,
        attemptEndingMs: ending,
      })
    }
  }
  return result
}

/** Splits records into invocation batches by base64 payload size (at least one record each). */
function* batches(records: readonly DeliveryRecord[], limit: number): Generator<DeliveryRecord[]> {
  let batch: DeliveryRecord[] = []
  let size = 0
  for (const r of records) {
    const bytes = Math.ceil(r.data.length / 3) * 4 + 200
    if (batch.length > 0 && size + bytes > limit) {
      yield batch
      batch = []
      size = 0
    }
    batch.push(r)
    size += bytes
  }
  if (batch.length > 0) yield batch
}

function buildEvent(batch: readonly DeliveryRecord[], config: TransformConfig): unknown {
  return {
    invocationId: randomUUID(),
    deliveryStreamArn: config.deliveryStreamArn,
    ...(config.source ? { sourceKinesisStreamArn: config.source.streamArn } : {}),
    region: config.region,
    records: batch.map((r) => ({
      recordId: r.recordId,
      approximateArrivalTimestamp: r.arrivalMs,
      data: r.data.toString('base64'),
      ...(config.source
        ? {
            kinesisRecordMetadata: {
              sequenceNumber: r.sequenceNumber,
              subsequenceNumber: r.subsequenceNumber,
              partitionKey: r.partitionKey,
              shardId: config.source.shardId,
              approximateArrivalTimestamp: r.arrivalMs,
            },
          }
        : {}),
    })),
  }
}

const RESULTS = new Set(['Ok', 'Dropped', 'ProcessingFailed'])

/** Checks an invocation's answer against the batch, record by record. */
function judge(
  batch: readonly DeliveryRecord[],
  outcome: InvokeOutcome,
  config: TransformConfig,
  now: () => number,
): Verdict {
  if (outcome.kind === 'timeout')
    return {
      kind: 'retry',
      errorCode: 'Lambda.FunctionTimedOut',
      errorMessage: `The Lambda function ${config.lambdaArn} timed out.`,
    }
  if (outcome.kind === 'throttled')
    return {
      kind: 'retry',
      errorCode: 'Lambda.InvokeLimitExceeded',
      errorMessage: 'The Lambda concurrent execution limit is exceeded.',
    }
  if (outcome.kind !== 'ok') {
    const message = 'errorMessage' in outcome ? String(outcome.errorMessage) : ''
    return {
      kind: 'retry',
      errorCode: 'Lambda.FunctionError',
      errorMessage:
        `The Lambda function was successfully invoked but it returned an error result. ${message}`.trim(),
    }
  }
  const answered = (outcome.result as { records?: unknown } | null | undefined)?.records
  if (!Array.isArray(answered))
    return {
      kind: 'retry',
      errorCode: 'Lambda.JsonProcessingException',
      errorMessage: 'The response of the Lambda function has no records array.',
    }
  const byId = new Map(batch.map((r) => [r.recordId, r]))
  const seen = new Map<string, { result: string; data: unknown; partitionKeys: unknown }>()
  for (const item of answered as {
    recordId?: unknown
    result?: unknown
    data?: unknown
    metadata?: unknown
  }[]) {
    const id = typeof item?.recordId === 'string' ? item.recordId : undefined
    if (!id || !byId.has(id))
      return {
        kind: 'retry',
        errorCode: 'Lambda.InvalidRecordId',
        errorMessage: 'The Lambda function returned a record id that was not in its input.',
      }
    if (seen.has(id))
      return {
        kind: 'retry',
        errorCode: 'Lambda.DuplicatedRecordId',
        errorMessage:
          'Multiple records were returned with the same record Id. Ensure that the Lambda function returns unique record Ids for each record.',
      }
    const metadata = item.metadata as { partitionKeys?: unknown } | undefined
    seen.set(id, { result: String(item.result), data: item.data, partitionKeys: metadata?.partitionKeys })
  }
  if (seen.size !== batch.length)
    return {
      kind: 'retry',
      errorCode: 'Lambda.MissingRecordId',
      errorMessage:
        'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
    }
  const out: Verdict & { kind: 'ok' } = { kind: 'ok', records: [], dropped: 0, failed: [] }
  for (const record of batch) {
    const answer = seen.get(record.recordId)!
    const fail = (errorCode: string, errorMessage: string) =>
      out.failed.push({
        record,
        outputType: 'processing-failed',
        errorCode,
        errorMessage,
        attemptsMade: 1,
        attemptEndingMs: now(),
      })
    if (!RESULTS.has(answer.result)) {
      fail(
        'Lambda.InvalidResult',
        `Invalid result '${answer.result}': expected Ok, Dropped or ProcessingFailed.`,
      )
    } else if (answer.result === 'Dropped') {
      out.dropped++
    } else if (answer.result === 'ProcessingFailed') {
      fail('Lambda.ProcessingFailed', 'The Lambda function marked the record as ProcessingFailed.')
    } else if (typeof answer.data !== 'string') {
      fail('Lambda.MissingData', 'The Lambda function returned an Ok record without base64 data.')
    } else {
      const keys = answer.partitionKeys
      out.records.push({
        record: { ...record, data: Buffer.from(answer.data, 'base64') },
        partitionKeys: isStringMap(keys) ? keys : undefined,
      })
    }
  }
  return out
}

function isStringMap(v: unknown): v is Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false
  return Object.values(v).every(
    (x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean',
  )
}
