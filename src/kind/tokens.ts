import type { AsyncInvoker, DestinationSender, Invoker } from '../contracts/functions.ts'
import { token } from './kind.ts'

/**
 * What crosses between stages while the local runtime is built, typed by the ground-floor
 * contracts. Tokens of one stage's own types live in that stage's `tokens.ts`.
 */

/** Invokes functions synchronously (metered): event source mappings, Firehose transformations. */
export const InvokerToken = token<Invoker>('invoker')
/** Lambda's asynchronous invoke (durable, with retries): S3 events, schedules, SNS. */
export const AsyncInvokeToken = token<AsyncInvoker>('async-invoke')
/** Sends to an on-failure destination (a queue or a topic). */
export const DestinationsToken = token<DestinationSender>('destinations')
/** Whether the pipeline declares a function of this name. */
export const FunctionNamesToken = token<(name: string) => boolean>('function-names')
/** Publishes to a topic of the pipeline (what alarm actions do). */
export const TopicPublisherToken = token<{
  publish(topic: string, message: string, options?: { subject?: string }): unknown
}>('topic-publisher')
/** The served AWS APIs' URL (`AWS_ENDPOINT_URL` for handlers), when the pipeline is served. */
export const ServedEndpointToken = token<string | undefined>('served-endpoint')
