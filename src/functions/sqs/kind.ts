import { defineKind } from '../../kind/kind.ts'
import { InvokerToken } from '../../kind/tokens.ts'
import { Lambda, SQS } from '../../monitor/catalog/index.ts'
import { MetricsToken } from '../../monitor/tokens.ts'
import { QueuesToken } from '../../services/tokens.ts'
import { pausedNote } from '../kind.ts'
import { UNCLAIMED_MAPPING } from '../kinesis/kind.ts'
import { MAPPINGS_TABLE, mappingsPart } from '../mapping-config.ts'
import { FunctionSpecsToken, PoolToken } from '../tokens.ts'
import { sqsMappingSchema } from './config.ts'
import { SqsMapping } from './sqs-mapping.ts'

/** SQS event source mappings: each receives a queue's messages and invokes a function in batches. */
export const sqsMappingKind = defineKind({
  kind: 'sqs-mapping',
  section: 'mappings',
  noun: ['mapping', 'mappings'],
  title: 'SQS event source mappings',
  layout: 'list',
  schema: sqsMappingSchema,
  synth: async () => (await import('./synth.ts')).sqsMappingSynth,
  claims: (entry) => 'queue' in entry,
  unclaimed: UNCLAIMED_MAPPING,
  references: (m) => [
    { path: ['function'], kind: 'function', name: m.function, label: 'mapping' },
    { path: ['queue'], kind: 'queue', name: m.queue, label: 'mapping' },
  ],
  graph: {
    node: false,
    edges: (m) => [{ from: `queue:${m.queue}`, to: `function:${m.function}`, label: 'mapping' }],
  },
  dependsOn: ['function', 'queue'],
  build(ctx, mappings) {
    const queues = ctx.need(QueuesToken)
    const invoker = ctx.need(InvokerToken)
    const specs = ctx.need(FunctionSpecsToken)
    const all = mappings.map(
      ({ config }) =>
        new SqsMapping(config, {
          queues,
          invoker,
          clock: ctx.clock,
          logger: ctx.logger,
          functionTimeoutMs: specs.get(config.function)?.timeoutMs,
        }),
    )
    return mappingsPart(all, { metrics: ctx.need(MetricsToken), pool: ctx.need(PoolToken) })
  },
  summary: ({ mappings, metrics, pool }, view) => [
    {
      ...MAPPINGS_TABLE,
      rows: mappings.map(({ config: c }) => {
        const received = metrics.of(SQS.NumberOfMessagesReceived, { QueueName: c.queue }).sum
        const fn = { FunctionName: c.function }
        return [
          `queue ${c.queue} → ${c.function}${pausedNote(pool, c.function)}`,
          view.count(received),
          view.rate(`queue ${c.queue} ${c.function}`, received),
          view.count(metrics.of(Lambda.Invocations, fn).sum),
          view.count(metrics.of(Lambda.Errors, fn).sum),
          '',
        ]
      }),
    },
  ],
})
