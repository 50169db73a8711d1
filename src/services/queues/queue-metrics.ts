import { MetricScope } from '../../monitor/catalog/scope.ts'
import { SQS } from '../../monitor/catalog/sqs.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts'
import type { QueueService } from './queue-service.ts'

/** Publishes the gauges SQS reports for every queue: visible, in flight, delayed, oldest age. */
export function publishQueueDepthMetrics(queues: QueueService, metrics: MetricSink, now: number): void {
  for (const name of queues.names()) {
    const depth = queues.depth(name)
    const queue = new MetricScope(metrics, { QueueName: name })
    queue.record(SQS.ApproximateNumberOfMessagesVisible, depth.visible, now)
    queue.record(SQS.ApproximateNumberOfMessagesNotVisible, depth.inFlight, now)
    queue.record(SQS.ApproximateNumberOfMessagesDelayed, depth.delayed, now)
    queue.record(SQS.ApproximateAgeOfOldestMessage, Math.floor(depth.oldestAgeMs / 1000), now)
  }
}

/**
 * Publishes the queue gauges every `intervalMs` (SQS: every minute) until the returned function
 * is called.
 *
 * @example
 * const stop = startQueueDepthMetrics(queues, metrics)
 * // ... on shutdown:
 * stop()
 */
export function startQueueDepthMetrics(
  queues: QueueService,
  metrics: MetricSink,
  clock: Clock = systemClock,
  intervalMs = 60_000,
): () => void {
  let timer: TimerHandle | undefined
  const schedule = () => {
    timer = clock.setTimeout(() => {
      publishQueueDepthMetrics(queues, metrics, clock.now())
      schedule()
    }, intervalMs)
    timer.unref?.()
  }
  schedule()
  return () => {
    if (timer) clock.clearTimeout(timer)
    timer = undefined
  }
}
