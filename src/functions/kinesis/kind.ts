import { EngineToken } from '../../engine/tokens.ts'
import { defineKind, type Reference } from '../../kind/kind.ts'
import { named } from '../../kind/references.ts'
import { DestinationsToken, InvokerToken } from '../../kind/tokens.ts'
import { Lambda } from '../../monitor/catalog/index.ts'
import { MetricsToken } from '../../monitor/tokens.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { pausedNote } from '../kind.ts'
import { MAPPINGS_TABLE, mappingsPart } from '../mapping-config.ts'
import { PoolToken } from '../tokens.ts'
import { CheckpointStore } from './checkpoints.ts'
import { kinesisMappingSchema } from './config.ts'
import { KinesisMapping } from './mapping.ts'

/** What a `mappings` entry that names neither a stream nor a queue is told. */
export const UNCLAIMED_MAPPING = "needs a 'stream' (Kinesis) or a 'queue' (SQS) to read from"

/** Kinesis event source mappings: each reads a stream's shards and invokes a function in batches. */
export const kinesisMappingKind = defineKind({
  kind: 'kinesis-mapping',
  section: 'mappings',
  noun: ['mapping', 'mappings'],
  title: 'Kinesis event source mappings',
  layout: 'list',
  schema: kinesisMappingSchema,
  synth: async () => (await import('./synth.ts')).kinesisMappingSynth,
  claims: (entry) => 'stream' in entry,
  unclaimed: UNCLAIMED_MAPPING,
  references: (m) => {
    const refs: Reference[] = [
      { path: ['function'], kind: 'function', name: m.function, label: 'mapping' },
      { path: ['stream'], kind: 'stream', name: m.stream, label: 'mapping' },
    ]
    const onFailure = m.destinationConfig?.onFailure
    if (onFailure) {
      const { kind, name } = named(onFailure)
      refs.push({ path: ['destinationConfig', 'onFailure', kind], kind, name, label: 'on failure' })
    }
    return refs
  },
  graph: {
    node: false,
    edges: (m) => {
      const onFailure = m.destinationConfig?.onFailure
      const to = onFailure && named(onFailure)
      return [
        { from: `stream:${m.stream}`, to: `function:${m.function}`, label: 'mapping' },
        ...(to ? [{ from: `function:${m.function}`, to: `${to.kind}:${to.name}`, label: 'on failure' }] : []),
      ]
    },
  },
  dependsOn: ['function', 'stream', 'topic'],
  build(ctx, mappings) {
    const engine = ctx.need(EngineToken)
    const metrics = ctx.need(MetricsToken)
    const deps = {
      engine,
      invoker: ctx.need(InvokerToken),
      checkpoints: new CheckpointStore(ctx.need(StateStoreToken)),
      destinations: ctx.need(DestinationsToken),
      metrics,
      logger: ctx.logger,
    }
    const all = mappings.map(({ config }) => new KinesisMapping(config, deps))
    return mappingsPart(all, { metrics, pool: ctx.need(PoolToken) })
  },
  summary: ({ mappings, metrics, pool }, view) => [
    {
      ...MAPPINGS_TABLE,
      rows: mappings.map((mapping) => {
        const s = mapping.status()
        const dims = { EventSourceMappingUUID: s.uuid }
        const records = metrics.of(Lambda.PolledEventCount, dims).sum
        return [
          `${s.streamName}${s.consumerName ? ` (consumer ${s.consumerName})` : ''} → ${s.functionName}${s.state === 'Waiting' ? ' (waiting for the stream)' : pausedNote(pool, s.functionName)}`,
          view.count(records),
          view.rate(`mapping ${s.uuid}`, records),
          view.count(metrics.of(Lambda.InvokedEventCount, dims).count),
          view.count(metrics.of(Lambda.FailedInvokeEventCount, dims).count),
          view.age(s.iteratorAgeMs),
        ]
      }),
    },
  ],
})
