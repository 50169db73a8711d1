import type { PipelineRuntime } from '../runtime/pipeline-runtime.ts'

function n(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

function age(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map(
    (r) =>
      `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`,
  )
}

/**
 * The live summary `tributary dev` prints: per mapping records in, invocations, errors and
 * iterator age; per function invocations, errors, throttles and mean duration; records into each
 * stream; per delivery stream records and files in the lake; alarm states; queue depths.
 */
export function renderSummary(runtime: PipelineRuntime, now: Date): string {
  const m = runtime.metrics
  const lambda = (name: string, fn: string) => m.get('AWS/Lambda', name, { FunctionName: fn })
  const lines = [`── ${runtime.pipeline.name} · ${now.toISOString().slice(11, 19)} UTC ${'─'.repeat(40)}`]
  const mappings: string[][] = [['mapping', 'records in', 'invocations', 'errors', 'iterator age']]
  for (const mapping of runtime.kinesisMappings) {
    const s = mapping.status()
    const dims = { EventSourceMappingUUID: s.uuid }
    mappings.push([
      `${s.streamName} → ${s.functionName}${s.state === 'Waiting' ? ' (waiting for the stream)' : ''}`,
      n(m.get('AWS/Lambda', 'PolledEventCount', dims).sum),
      n(m.get('AWS/Lambda', 'InvokedEventCount', dims).count),
      n(m.get('AWS/Lambda', 'FailedInvokeEventCount', dims).count),
      age(s.iteratorAgeMs),
    ])
  }
  for (const mapping of runtime.sqsMappings) {
    const c = mapping.config
    mappings.push([
      `queue ${c.queue} → ${c.function}`,
      n(m.get('AWS/SQS', 'NumberOfMessagesReceived', { QueueName: c.queue }).sum),
      n(lambda('Invocations', c.function).sum),
      n(lambda('Errors', c.function).sum),
      '',
    ])
  }
  if (mappings.length > 1) lines.push(...table(mappings))
  const functions: string[][] = [['function', 'invocations', 'errors', 'throttles', 'mean duration']]
  for (const name of Object.keys(runtime.pipeline.functions)) {
    const d = lambda('Duration', name)
    functions.push([
      name,
      n(lambda('Invocations', name).sum),
      n(lambda('Errors', name).sum),
      n(lambda('Throttles', name).sum),
      d.count ? `${(d.sum / d.count).toFixed(1)} ms` : '',
    ])
  }
  if (functions.length > 1) lines.push(...table(functions))
  const streams = Object.keys(runtime.pipeline.streams).map(
    (st) => `${st}: ${n(m.get('AWS/Kinesis', 'IncomingRecords', { StreamName: st }).sum)} records in`,
  )
  if (streams.length) lines.push(`  streams ${streams.join(' · ')}`)
  const deliveries: string[][] = [['delivery', 'records to lake', 'files', 'errors', 'oldest pending']]
  for (const name of Object.keys(runtime.pipeline.deliveries)) {
    const dims = { DeliveryStreamName: name }
    deliveries.push([
      `${name} → ${runtime.pipeline.deliveries[name]!.bucket}`,
      n(m.get('AWS/Firehose', 'DeliveryToS3.Records', dims).sum),
      n(m.get('AWS/Firehose', 'DeliveryToS3.ObjectCount', dims).sum),
      n(m.get('AWS/Firehose', 'DeliveryToS3.ErrorOutputRecords', dims).sum),
      age(runtime.deliveries.stream(name)?.freshnessMs() ?? 0),
    ])
  }
  if (deliveries.length > 1) lines.push(...table(deliveries))
  const alarms = runtime.alarms.listAlarms().map((a) => `${a.name}: ${a.state}`)
  if (alarms.length) lines.push(`  alarms  ${alarms.join(' · ')}`)
  const queues = Object.keys(runtime.pipeline.queues).map((q) => {
    const depth = runtime.queues.depth(q)
    return `${q}: ${depth.visible} visible, ${depth.inFlight} in flight`
  })
  if (queues.length) lines.push(`  queues  ${queues.join(' · ')}`)
  return lines.join('\n')
}
