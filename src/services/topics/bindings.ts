import type { QueueSendOptions, TopicPublishOptions } from '../../bindings/index.ts'
import type { BindingCall, BindingHost } from '../../contracts/functions.ts'
import type { QueueService } from '../queues/queue-service.ts'
import type { TopicService } from './topic-service.ts'

/** An error handler code can catch by name, e.g. `ResourceNotFoundException`. */
export class BindingCallError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

/** Strings travel as they are; anything else as JSON (the bindings API's rule). */
function text(body: unknown): string {
  if (typeof body === 'string') return body
  if (body === undefined) return ''
  return JSON.stringify(body)
}

function options<T>(value: unknown, method: string): T {
  if (value === undefined || value === null) return {} as T
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BindingCallError('InvalidParameterValue', `the options of ${method} must be an object`)
  }
  return value as T
}

type Serve = (queues: QueueService, topics: TopicService, call: BindingCall) => unknown

const SERVICES: Readonly<Record<string, Readonly<Record<string, Serve>>>> = {
  queue: {
    send(queues, _topics, { resource, args }) {
      if (!queues.has(resource)) {
        throw new BindingCallError(
          'ResourceNotFoundException',
          `queue '${resource}' is not defined in this pipeline`,
        )
      }
      const { delaySeconds, attributes, messageGroupId, messageDeduplicationId } = options<QueueSendOptions>(
        args[1],
        'queue.send',
      )
      const { messageId } = queues.send(resource, text(args[0]), {
        ...(delaySeconds !== undefined ? { delaySeconds } : {}),
        ...(attributes !== undefined ? { attributes } : {}),
        ...(messageGroupId !== undefined ? { messageGroupId } : {}),
        ...(messageDeduplicationId !== undefined ? { messageDeduplicationId } : {}),
      })
      return { messageId }
    },
  },
  topic: {
    publish(_queues, topics, { resource, args }) {
      if (!topics.has(resource)) {
        throw new BindingCallError(
          'ResourceNotFoundException',
          `topic '${resource}' is not defined in this pipeline`,
        )
      }
      const { subject, attributes } = options<TopicPublishOptions>(args[1], 'topic.publish')
      return topics.publish(resource, text(args[0]), { subject, attributes })
    },
  },
}

/**
 * Serves the handler-facing `queue(name).send` and `topic(name).publish` binding calls. Errors
 * carry SQS's and SNS's exception names (`InvalidMessageContents`, `InvalidParameterException`,
 * ...) and survive the trip back to the worker as `name` and `message`.
 *
 * @example
 * const host = createQueueTopicBindings(queues, topics)
 * await host.call({ service: 'queue', resource: 'jobs', method: 'send', args: [{ id: 1 }] })
 */
export function createQueueTopicBindings(
  queues: QueueService,
  topics: TopicService,
): Pick<BindingHost, 'call'> {
  return {
    async call(call) {
      const methods = Object.hasOwn(SERVICES, call.service) ? SERVICES[call.service] : undefined
      if (!methods) {
        throw new BindingCallError(
          'UnknownOperationException',
          `'${call.service}' is not a queue or topic binding`,
        )
      }
      const serve = Object.hasOwn(methods, call.method) ? methods[call.method] : undefined
      if (!serve) {
        throw new BindingCallError(
          'UnknownOperationException',
          `${call.service} bindings have no method '${call.method}'`,
        )
      }
      return serve(queues, topics, { ...call, args: Array.isArray(call.args) ? call.args : [] })
    },
  }
}
