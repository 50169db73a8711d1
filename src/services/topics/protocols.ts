import type { AsyncInvoker } from '../../contracts/functions.ts'
import type { SubscriptionProtocol } from '../../contracts/topics.ts'
import { InvalidConfigError } from '../../util/invalid-config.ts'
import type { QueueService } from '../queues/queue-service.ts'
import type { FunctionSubscription, QueueSubscription } from './config.ts'
import { snsEventRecord, sqsEnvelope, unsubscribeUrl } from './envelope.ts'
import { invalidTopicParameter } from './errors.ts'

/** SNS's reason for subscribing a FIFO queue to a standard topic (SNS FIFO topics are not served). */
const FIFO_QUEUE_ON_STANDARD_TOPIC = 'FIFO SQS Queues can not be subscribed to standard SNS topics'

function checkKeys(input: Record<string, unknown>, allowed: string[], path: string): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) throw new InvalidConfigError(`${path}.${key}`, 'unknown subscription setting')
  }
}

/** `{ queue }`: the SNS envelope as the message body, or the message itself with rawMessageDelivery. */
export function queueProtocol(queues: QueueService): SubscriptionProtocol<QueueSubscription> {
  return {
    protocol: 'sqs',
    resolve(input, path) {
      checkKeys(input, ['protocol', 'queue', 'rawMessageDelivery'], path)
      const { queue, rawMessageDelivery = false } = input
      if (typeof queue !== 'string' || !queues.has(queue)) {
        throw new InvalidConfigError(`${path}.queue`, `queue '${String(queue)}' is not declared`)
      }
      if (queues.config(queue).fifo) {
        // Subscribe (path `Endpoint`) answers in SNS's words; a definition names the field.
        if (path === 'Endpoint')
          throw invalidTopicParameter(`Endpoint Reason: ${FIFO_QUEUE_ON_STANDARD_TOPIC}`)
        throw new InvalidConfigError(
          `${path}.queue`,
          `${FIFO_QUEUE_ON_STANDARD_TOPIC} (queue '${queue}'; SNS FIFO topics are not served)`,
        )
      }
      if (typeof rawMessageDelivery !== 'boolean') {
        throw new InvalidConfigError(`${path}.rawMessageDelivery`, 'must be true or false')
      }
      return { protocol: 'sqs', queue, rawMessageDelivery }
    },
    endpoint: (s) => queues.arn(s.queue),
    deliver(n, s, arn) {
      // With raw delivery the SNS message attributes become SQS message attributes; otherwise
      // they travel inside the envelope only.
      // SNS's String.Array arrives as SQS's custom type `String.Array`; Number as Number.
      if (s.rawMessageDelivery) {
        const attributes = Object.fromEntries(
          Object.entries(n.attributes).map(([name, value]) => [
            name,
            { dataType: n.attributeTypes?.[name] ?? 'String', stringValue: value },
          ]),
        )
        queues.send(s.queue, n.message, { attributes })
      } else queues.send(s.queue, sqsEnvelope(n, unsubscribeUrl(queues.region, arn)))
    },
  }
}

/**
 * `{ function }`: Lambda's SNS event, invoked asynchronously. SNS hands the event to Lambda's
 * async queue and is done (that is a delivery); Lambda then runs and retries it on its own.
 */
export function functionProtocol(
  asyncInvocations: AsyncInvoker,
  region: string,
  accountId: string,
  functionExists: (name: string) => boolean = () => true,
): SubscriptionProtocol<FunctionSubscription> {
  return {
    protocol: 'lambda',
    resolve(input, path) {
      checkKeys(input, ['protocol', 'function'], path)
      const name = input.function
      if (typeof name !== 'string' || !functionExists(name)) {
        throw new InvalidConfigError(`${path}.function`, `function '${String(name)}' is not declared`)
      }
      return { protocol: 'lambda', function: name }
    },
    endpoint: (s) => `arn:aws:lambda:${region}:${accountId}:function:${s.function}`,
    deliver(n, s, arn) {
      asyncInvocations.enqueue(s.function, { Records: [snsEventRecord(n, arn, unsubscribeUrl(region, arn))] })
    },
  }
}
