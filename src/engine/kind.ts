import { defineKind } from '../kind/kind.ts'
import { Kinesis } from '../monitor/catalog/index.ts'
import { MetricsToken } from '../monitor/tokens.ts'
import { streamBindings } from './bindings.ts'
import { type StreamConfig, streamSchema } from './config.ts'
import { EngineToken } from './tokens.ts'

/**
 * Kinesis data streams. Building creates the declared streams that do not exist yet and applies
 * their retention; a definition change never deletes a stream (its records stay).
 */
export const streamKind = defineKind({
  kind: 'stream',
  section: 'streams',
  noun: ['stream', 'streams'],
  title: 'Kinesis data streams',
  layout: 'named',
  schema: streamSchema,
  synth: async () => (await import('./synth.ts')).streamSynth,
  build(ctx, streams) {
    const engine = ctx.need(EngineToken)
    const metrics = ctx.need(MetricsToken)
    const existing = new Map(engine.streams().map((s) => [s.state.name, s]))
    for (const { name, config } of streams) ensure(name, config)
    // A stream the definition no longer declares (or never did) keeps AWS's limits.
    const declared = new Map(streams.map((s) => [s.name, s.config.shardLimits]))
    for (const s of engine.streams()) engine.setShardLimits(s.state.name, declared.get(s.state.name) ?? true)
    function ensure(name: string, config: StreamConfig): void {
      const stream = existing.get(name)
      if (!stream) {
        engine.createStream(name, { shardCount: config.shardCount, mode: config.mode })
        if (config.retentionHours !== 24)
          engine.updateSettings(name, { retentionHours: config.retentionHours })
      } else if (stream.state.retentionHours !== config.retentionHours) {
        engine.updateSettings(name, { retentionHours: config.retentionHours })
      }
    }
    ctx.serveBinding('stream', streamBindings(engine))
    return { names: streams.map((s) => s.name), metrics, engine }
  },
  summary: ({ names, metrics, engine }, view) => [
    {
      line: 'streams',
      items: names.map((st) => {
        const records = metrics.of(Kinesis.IncomingRecords, { StreamName: st }).sum
        // Enhanced fan-out consumers registered with it (RegisterStreamConsumer, consumer mappings).
        const consumers = engine.findWritableStream(st) ? engine.consumers.list(st).map((c) => c.name) : []
        const fanOut = consumers.length > 0 ? `, consumers: ${consumers.join(', ')}` : ''
        return `${st}: ${view.count(records)} records in (${view.rate(`stream ${st}`, records)}/s)${fanOut}`
      }),
    },
  ],
})
