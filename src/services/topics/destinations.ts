import type { DestinationSender } from '../../contracts/functions.ts'
import type { QueueService } from '../queues/queue-service.ts'
import type { TopicService } from './topic-service.ts'

/**
 * On-failure destinations of event source mappings: `{ queue }` receives the failure record as
 * the message body (SendMessage), `{ topic }` publishes it (Publish), as Lambda does.
 *
 * @example
 * const destinations = queueTopicDestinations(queues, topics)
 * await destinations.send({ queue: 'telemetry-dlq' }, JSON.stringify(failureRecord))
 */
export function queueTopicDestinations(queues: QueueService, topics: TopicService): DestinationSender {
  return {
    async send(destination, message) {
      if ('queue' in destination) queues.send(destination.queue, message)
      else topics.publish(destination.topic, message)
    },
    has: (destination) =>
      'queue' in destination ? queues.has(destination.queue) : topics.has(destination.topic),
  }
}
