import { ConfigProblem, defineKind } from '../../kind/kind.ts'
import { MetricsToken } from '../../monitor/tokens.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { QueuesToken, TopicsToken } from '../tokens.ts'
import { createQueueTopicBindings } from '../topics/bindings.ts'
import { isFifoName } from './config.ts'
import { fromPipelineQueue, type QueueDefinition, queueSchema } from './definition.ts'
import { startQueueDepthMetrics } from './queue-metrics.ts'
import { QueueService } from './queue-service.ts'

/** How often queue depths are published (SQS's ApproximateNumberOfMessages*), in ms. */
const DEPTH_METRICS_MS = 10_000

/** SQS queues: durable in the state store, with redrive to dead-letter queues. */
export const queueKind = defineKind({
  kind: 'queue',
  section: 'queues',
  noun: ['queue', 'queues'],
  title: 'SQS queues',
  layout: 'named',
  schema: queueSchema,
  synth: async () => (await import('./synth.ts')).queueSynth,
  references: (q) =>
    q.deadLetterQueue
      ? [
          {
            path: ['deadLetterQueue', 'queue'],
            kind: 'queue',
            name: q.deadLetterQueue.queue,
            label: 'dead letters',
            notSelf: 'a queue cannot be its own dead-letter queue',
          },
        ]
      : [],
  check: (name, q) => checkQueueType(name, q),
  build(ctx, queues) {
    const metrics = ctx.need(MetricsToken)
    const service = new QueueService({
      store: ctx.need(StateStoreToken),
      clock: ctx.clock,
      metrics,
      region: ctx.region,
      accountId: ctx.account,
    })
    service.declareAll(
      Object.fromEntries(queues.map(({ name, config }) => [name, fromPipelineQueue(config)])),
    )
    ctx.offer(QueuesToken, service)
    const topics = ctx.later(TopicsToken)
    let bindings: ReturnType<typeof createQueueTopicBindings> | undefined
    ctx.serveBinding('queue', (call) => {
      bindings ??= createQueueTopicBindings(service, topics())
      return bindings.call(call)
    })
    let stopDepthMetrics: (() => void) | undefined
    return {
      service,
      names: queues.map((q) => q.name),
      start() {
        stopDepthMetrics = startQueueDepthMetrics(service, metrics, ctx.clock, DEPTH_METRICS_MS)
      },
      stop() {
        stopDepthMetrics?.()
        service.close()
      },
    }
  },
  summary: ({ service, names }) => [
    {
      line: 'queues',
      items: names.map((q) => {
        const depth = service.depth(q)
        return `${q}: ${depth.visible} visible, ${depth.inFlight} in flight`
      }),
    },
  ],
})

/**
 * A FIFO queue is one by its name and by `fifo: true`, both or neither (SQS refuses either alone);
 * only it has the FIFO settings, and its dead-letter queue is of its type.
 */
function checkQueueType(name: string, q: QueueDefinition): void {
  const fifo = q.fifo === true
  if (fifo !== isFifoName(name))
    throw new ConfigProblem(
      fifo ? "a FIFO queue's name must end in .fifo" : 'a queue named .fifo must be declared with fifo: true',
      ['fifo'],
    )
  if (!fifo)
    for (const key of ['contentBasedDeduplication', 'deduplicationScope', 'fifoThroughputLimit'] as const)
      if (q[key] !== undefined) throw new ConfigProblem('only a FIFO queue (fifo: true) has it', [key])
  if (q.deadLetterQueue && isFifoName(q.deadLetterQueue.queue) !== fifo)
    throw new ConfigProblem('Dead-letter queue must be same type of queue as the source.', [
      'deadLetterQueue',
      'queue',
    ])
}
