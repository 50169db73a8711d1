import type { FailureDestination as Destination, DestinationSender } from '../../contracts/functions.ts'
import type { Logger } from '../../util/logger.ts'
import type { FunctionConfig } from '../config.ts'
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
    const event = `async event ${dropped.requestId} for ${dropped.functionName}`
    const why = `${dropped.reason} after ${dropped.attempts} ${dropped.attempts === 1 ? 'attempt' : 'attempts'}`
    const sends: { destination: Destination; message: string }[] = []
    const onFailure = config?.asyncInvokeConfig?.destinationConfig?.onFailure
    if (onFailure && config)
      sends.push({ destination: onFailure, message: JSON.stringify(invocationRecord(dropped, config, o)) })
    if (config?.deadLetterQueue)
      sends.push({
        destination: { queue: config.deadLetterQueue.queue },
        message: JSON.stringify(dropped.event),
      })
    if (sends.length === 0) {
      o.logger.warn(`${event} dropped (${why}): no on-failure destination or dead-letter queue is configured`)
      return
    }
    // Said once the event is where the configuration sends it: "dropped" only when it is lost.
    void Promise.all(
      sends.map(({ destination, message }) =>
        o
          .destinations()
          .send(destination, message)
          .then(
            () => describe(destination),
            (error: Error) => {
              o.logger.error(`${event} could not be sent to ${describe(destination)}: ${error.message}`)
              return undefined
            },
          ),
      ),
    ).then((sent) => {
      const to = sent.filter((d) => d !== undefined)
      if (to.length > 0) o.logger.warn(`${event} failed (${why}); sent to ${to.join(' and ')}`)
      else o.logger.warn(`${event} dropped (${why}): no failure destination took it`)
    })
  }
}

/** `queue alerts-dlq`, `topic failures`. */
function describe(destination: Destination): string {
  const [kind, name] = Object.entries(destination)[0] ?? ['destination', '?']
  return `${kind} ${name}`
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
