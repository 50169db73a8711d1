import { QueueError } from '../../services/queues/errors.ts'
import type { QueueService } from '../../services/queues/queue-service.ts'
import { InvalidConfigError } from '../../util/invalid-config.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext, Output } from '../operation.ts'

/**
 * SQS's error codes on the JSON protocol, each with the code the query protocol used (sent as
 * `x-amzn-query-error: <code>;Sender`, which SDKs in query-compatible mode report as the error's
 * `Code`) and its HTTP status, as the SQS service model declares them.
 */
export const SQS_ERRORS: Readonly<Record<string, readonly [queryCode: string, status: number]>> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  QueueDeletedRecently: ['AWS.SimpleQueueService.QueueDeletedRecently', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  OverLimit: ['OverLimit', 403],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidAttributeValue: ['InvalidAttributeValue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
}

/** An SQS error with the status the service model gives its code. */
export function sqsError(code: keyof typeof SQS_ERRORS & string, message: string): AwsError {
  return new AwsError(code, message, SQS_ERRORS[code]?.[1] ?? 400)
}

export const QUEUE_DOES_NOT_EXIST = 'The specified queue does not exist.'

export const queueDoesNotExist = () => sqsError('QueueDoesNotExist', QUEUE_DOES_NOT_EXIST)

/** SQS's answer to a request without one of its required parameters. */
export function required<T>(value: T | undefined | null, parameter: string): T {
  if (value === undefined || value === null || value === '') {
    throw sqsError('MissingParameter', `The request must contain the parameter ${parameter}.`)
  }
  return value
}

/** The queue service's errors (and a configuration the service refuses) as SQS answers them. */
export function toSqsError(error: unknown): unknown {
  if (error instanceof QueueError) {
    if (error.code === 'QueueDoesNotExist') return queueDoesNotExist()
    return sqsError(error.code, error.message)
  }
  if (error instanceof InvalidConfigError) return sqsError('InvalidParameterValue', error.message)
  return error
}

/** Runs an operation's body, turning the queue service's errors into SQS's. */
export async function sqs(body: () => Output | Promise<Output>): Promise<Output> {
  try {
    return await body()
  } catch (error) {
    throw toSqsError(error)
  }
}

/** The current pipeline's queues. */
export function queuesOf(ctx: OperationContext): QueueService {
  if (!ctx.pipeline) throw new AwsError('ServiceUnavailable', 'this server runs no pipeline', 503)
  return ctx.pipeline.queues()
}

/** The authority queue URLs use when the request's Host header is not known: the default port. */
export const DEFAULT_HOST = 'localhost:4567'

/** `http://<the request's host>/<account>/<queue>`, as SQS builds them from its endpoint. */
export function queueUrl(ctx: OperationContext, name: string): string {
  const host = ctx.host || DEFAULT_HOST
  return `http://${host}/${ctx.engine.account}/${name}`
}

/** The queue a QueueUrl names: its last path segment, whatever the host and account. */
export function queueNameOf(url: string): string {
  const path = url.split(/[?#]/, 1)[0]!.replace(/\/+$/, '')
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The queue named by a request's QueueUrl, which must exist. */
export function queueOf(
  ctx: OperationContext,
  url: string | undefined,
): { service: QueueService; name: string } {
  const name = queueNameOf(required(url, 'QueueUrl'))
  const service = queuesOf(ctx)
  if (!name || !service.has(name)) throw queueDoesNotExist()
  return { service, name }
}

/** Batch request entries: 1–10 of them, with distinct, well-formed ids (checked in SQS's order). */
export function checkBatch<E extends { Id?: string | undefined }>(
  entries: readonly E[] | undefined,
  entryName: string,
): readonly E[] {
  const list = required(entries, 'Entries')
  if (list.length === 0) {
    throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`)
  }
  if (list.length > 10) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${list.length}.`,
    )
  }
  const seen = new Set<string>()
  for (const entry of list) {
    const id = entry?.Id
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      )
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`)
    seen.add(id)
  }
  return list
}

/** A failed batch entry: `{Id, SenderFault, Code, Message}`. */
export function batchFailure(id: string, error: unknown) {
  const wire = toSqsError(error)
  if (wire instanceof AwsError) {
    return { Id: id, SenderFault: wire.status < 500, Code: wire.code, Message: wire.message }
  }
  throw error
}

/** Runs each entry, collecting SQS's `{Successful, Failed}`. */
export async function runBatch<E extends { Id?: string | undefined }, R extends object>(
  entries: readonly E[],
  each: (entry: E) => R | Promise<R>,
): Promise<{ Successful: Array<R & { Id: string }>; Failed: ReturnType<typeof batchFailure>[] }> {
  const Successful: Array<R & { Id: string }> = []
  const Failed: ReturnType<typeof batchFailure>[] = []
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id!, ...(await each(entry)) })
    } catch (error) {
      Failed.push(batchFailure(entry.Id!, error))
    }
  }
  return { Successful, Failed }
}
