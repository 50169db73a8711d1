import { EngineToken } from '../engine/tokens.ts'
import { ConfigProblem, defineKind, type Reference } from '../kind/kind.ts'
import { InvokerToken } from '../kind/tokens.ts'
import { BucketNamesToken, BucketStoreToken } from '../lake/tokens.ts'
import { Firehose } from '../monitor/catalog/index.ts'
import { MetricsToken } from '../monitor/tokens.ts'
import { CatalogToken } from '../query/tokens.ts'
import { deliverySchema } from './config.ts'
import { compileDeliveryPrefixes } from './partition/prefix.ts'
import { DeliveryStreams } from './streams/delivery-streams.ts'
import { DeliveriesToken, EncoderToken, SyncToken } from './tokens.ts'

/**
 * Firehose delivery streams into the lake. Its part also holds the delivery streams
 * created through the Firehose API (kept durably across restarts).
 */
export const deliveryKind = defineKind({
  kind: 'delivery',
  section: 'deliveries',
  noun: ['delivery', 'deliveries'],
  title: 'Firehose delivery streams',
  layout: 'named',
  schema: deliverySchema,
  synth: async () => (await import('./synth.ts')).deliverySynth,
  references: (d) => {
    const refs: Reference[] = []
    if (d.stream !== undefined)
      refs.push({ path: ['stream'], kind: 'stream', name: d.stream, label: 'source', inbound: true })
    refs.push({ path: ['bucket'], kind: 'bucket', name: d.bucket, label: 'writes' })
    if (d.processing)
      refs.push({
        path: ['processing', 'function'],
        kind: 'function',
        name: d.processing.function,
        label: 'transform',
      })
    if (d.format)
      refs.push({
        path: ['format', 'parquet', 'table'],
        kind: 'catalog',
        name: d.format.parquet.table,
        label: 'schema',
        inbound: true,
      })
    return refs
  },
  check: (_name, d) => {
    try {
      compileDeliveryPrefixes(d)
    } catch (error) {
      throw new ConfigProblem(
        (error as Error).message,
        ['prefix'],
        'see docs/delivery.md for prefix expressions',
      )
    }
  },
  dependsOn: ['bucket', 'catalog', 'function', 'stream'],
  async build(ctx, deliveries) {
    const metrics = ctx.need(MetricsToken)
    const catalog = ctx.need(CatalogToken)
    const buckets = ctx.need(BucketNamesToken)
    const streams = new DeliveryStreams({
      engine: ctx.need(EngineToken),
      clock: ctx.clock,
      writer: ctx.need(BucketStoreToken),
      encoder: ctx.need(EncoderToken),
      invoker: ctx.need(InvokerToken),
      metrics,
      logger: ctx.logger,
      catalog: () => catalog,
      sync: ctx.need(SyncToken),
      bucketExists: (b) => buckets.has(b),
    })
    ctx.offer(DeliveriesToken, streams)
    await streams.start(Object.fromEntries(deliveries.map(({ name, config }) => [name, config])))
    return {
      streams,
      metrics,
      declared: deliveries.map(({ name, config }) => ({ name, bucket: config.bucket })),
      stop: () => streams.close(),
    }
  },
  summary: ({ streams, metrics, declared }, view) => [
    {
      table: 'deliveries',
      header: ['delivery', 'records to lake', '/s', 'files', 'errors', 'oldest pending'],
      rows: declared.map(({ name, bucket }) => {
        const dims = { DeliveryStreamName: name }
        const records = metrics.of(Firehose.DeliveryToS3_Records, dims).sum
        return [
          `${name} → ${bucket}`,
          view.count(records),
          view.rate(`delivery ${name}`, records),
          view.count(metrics.of(Firehose.DeliveryToS3_ObjectCount, dims).sum),
          view.count(metrics.of(Firehose.DeliveryToS3_ErrorOutputRecords, dims).sum),
          view.age(streams.stream(name)?.freshnessMs() ?? 0),
        ]
      }),
    },
  ],
})
