import type { MetricSink } from '../../monitor/metrics.ts'
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts'
import type { QueueService } from './queue-service.ts'

/** Publishes the gauges SQS reports for every queue: visible, in flight, delayed, oldest age. */
export function publishQueueDepthMetrics(queues: QueueService, metrics: MetricSink, now: number): void {
  for (const name of queues.names()) {
    const depth = queues.depth(name)
    const gauge = (metric: string, value: number) =>
      metrics.record({
        namespace: 'AWS/SQS',
        name: metric,
        dimensions: { QueueName: name },
        value,
        // CloudWatch's unit for the age is Seconds, which the sink has no name for.
        unit: metric === 'ApproximateAgeOfOldestMessage' ? 'None' : 'Count',
        timestamp: now,
      })
    gauge('ApproximateNumberOfMessagesVisible', depth.visible)
    gauge('ApproximateNumberOfMessagesNotVisible', depth.inFlight)
    gauge('ApproximateNumberOfMessagesDelayed', depth.delayed)
    gauge('ApproximateAgeOfOldestMessage', Math.floor(depth.oldestAgeMs / 1000))
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
