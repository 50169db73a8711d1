import type { FunctionConfig } from '../../pipeline/schema.ts'
import type { Logger } from '../../util/logger.ts'
import type { DestinationSender } from '../kinesis/mapping.ts'
import type { DroppedEvent } from './async-invocations.ts'

export interface AsyncFailureOptions {
  functions: Readonly<Record<string, FunctionConfig>>
  destinations: () => DestinationSender
  region: string
  account: string
  now: () => number
  logger: Logger
}

/**
 * What happens to an asynchronous event Lambda gives up on: the function's on-failure destination
 * receives Lambda's invocation record (request and response payloads), and its dead-letter queue
 * receives the original event, as Lambda's DeadLetterConfig does.
 */
export function asyncFailureHandler(o: AsyncFailureOptions): (dropped: DroppedEvent) => void {
  return (dropped) => {
    const config = o.functions[dropped.functionName]
    if (!config) return
    const send = (destination: Parameters<DestinationSender['send']>[0], message: string) =>
      void o
        .destinations()
        .send(destination, message)
        .catch((error) =>
          o.logger.error(`failure destination of ${dropped.functionName}: ${(error as Error).message}`),
        )
    const onFailure = config.asyncInvokeConfig?.destinationConfig?.onFailure
    if (onFailure) send(onFailure, JSON.stringify(invocationRecord(dropped, config, o)))
    if (config.deadLetterQueue) send({ queue: config.deadLetterQueue.queue }, JSON.stringify(dropped.event))
  }
}

/** Lambda's on-failure record for an asynchronous invocation. */
function invocationRecord(dropped: DroppedEvent, config: FunctionConfig, o: AsyncFailureOptions) {
  const last = dropped.lastOutcome
  const retries = config.asyncInvokeConfig?.maximumRetryAttempts ?? 2
  const error =
    last && last.kind === 'error'
      ? { errorMessage: last.errorMessage, errorType: last.errorType, stackTrace: last.stackTrace }
      : last && (last.kind === 'timeout' || last.kind === 'crash')
        ? {
            errorMessage:
              last.kind === 'timeout'
                ? `Task timed out after ${(config.timeout ?? 3).toFixed(2)} seconds`
                : last.errorMessage,
            errorType: last.kind === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.ExitError',
          }
        : undefined
  return {
    version: '1.0',
    timestamp: new Date(o.now()).toISOString(),
    requestContext: {
      requestId: dropped.requestId,
      functionArn: `arn:aws:lambda:${o.region}:${o.account}:function:${dropped.functionName}:$LATEST`,
      condition: dropped.reason,
      approximateInvokeCount: dropped.reason === 'RetriesExhausted' ? retries + 1 : undefined,
    },
    requestPayload: dropped.event,
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(error ? { functionError: 'Unhandled' } : {}),
    },
    ...(error ? { responsePayload: error } : {}),
  }
}
