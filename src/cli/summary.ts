import { Firehose, Kinesis, Lambda, type MetricSpec, SQS } from '../monitor/catalog/index.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'

function n(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

function rate(perSecond: number): string {
  if (perSecond === 0) return '0'
  return perSecond < 10 ? perSecond.toFixed(1) : n(perSecond)
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
 * stream; per delivery stream records and files in the lake; alarm states; queue depths. Counts
 * are totals since start; the `/s` columns are rates since the previous summary. A summary that
 * would say what the last one said is not printed: an idle pipeline prints nothing.
 */
export class SummaryPrinter {
  #lastBody: string | undefined
  #lastAt: number
  #totals = new Map<string, number>()
  #previous = new Map<string, number>()
  #seconds = 1

  /** `startedAt`: epoch ms the first summary's rates run from. */
  constructor(startedAt: number) {
    this.#lastAt = startedAt
  }

  /** The summary at `now`, or undefined when nothing changed since the last one returned. */
  render(runtime: PipelineRuntime, now: Date): string | undefined {
    this.#seconds = Math.max(0.001, (now.getTime() - this.#lastAt) / 1000)
    this.#totals = new Map()
    const body = this.#body(runtime).join('\n')
    // Rates move on even when nothing is printed: the next one is over the time since this one.
    this.#lastAt = now.getTime()
    this.#previous = this.#totals
    if (body === this.#lastBody) return undefined
    this.#lastBody = body
    const head = `── ${runtime.pipeline.name} · ${now.toISOString().slice(11, 19)} UTC · totals since start, /s since the last summary `
    return `${head}${'─'.repeat(Math.max(3, 100 - head.length))}\n${body}`
  }

  /** Records `total` under `key` and returns its rate per second since the last summary. */
  #rate(key: string, total: number): string {
    this.#totals.set(key, total)
    return rate(Math.max(0, total - (this.#previous.get(key) ?? 0)) / this.#seconds)
  }

  #body(runtime: PipelineRuntime): string[] {
    const m = runtime.metrics
    const lambda = (metric: MetricSpec<string, string, 'FunctionName'>, fn: string) =>
      m.of(metric, { FunctionName: fn })
    const paused = (fn: string) => (runtime.pool.loadFailure(fn) ? ' (paused: handler does not load)' : '')
    const lines: string[] = []
    const mappings: string[][] = [['mapping', 'records in', '/s', 'invocations', 'errors', 'iterator age']]
    for (const mapping of runtime.kinesisMappings) {
      const s = mapping.status()
      const dims = { EventSourceMappingUUID: s.uuid }
      const records = m.of(Lambda.PolledEventCount, dims).sum
      mappings.push([
        `${s.streamName} → ${s.functionName}${s.state === 'Waiting' ? ' (waiting for the stream)' : paused(s.functionName)}`,
        n(records),
        this.#rate(`mapping ${s.uuid}`, records),
        n(m.of(Lambda.InvokedEventCount, dims).count),
        n(m.of(Lambda.FailedInvokeEventCount, dims).count),
        age(s.iteratorAgeMs),
      ])
    }
    for (const mapping of runtime.sqsMappings) {
      const c = mapping.config
      const received = m.of(SQS.NumberOfMessagesReceived, { QueueName: c.queue }).sum
      mappings.push([
        `queue ${c.queue} → ${c.function}${paused(c.function)}`,
        n(received),
        this.#rate(`queue ${c.queue} ${c.function}`, received),
        n(lambda(Lambda.Invocations, c.function).sum),
        n(lambda(Lambda.Errors, c.function).sum),
        '',
      ])
    }
    if (mappings.length > 1) lines.push(...table(mappings))
    const functions: string[][] = [['function', 'invocations', '/s', 'errors', 'throttles', 'mean duration']]
    for (const name of Object.keys(runtime.pipeline.functions)) {
      const d = lambda(Lambda.Duration, name)
      const invocations = lambda(Lambda.Invocations, name).sum
      functions.push([
        name,
        n(invocations),
        this.#rate(`function ${name}`, invocations),
        n(lambda(Lambda.Errors, name).sum),
        n(lambda(Lambda.Throttles, name).sum),
        d.count ? `${(d.sum / d.count).toFixed(1)} ms` : '',
      ])
    }
    if (functions.length > 1) lines.push(...table(functions))
    const streams = Object.keys(runtime.pipeline.streams).map((st) => {
      const records = m.of(Kinesis.IncomingRecords, { StreamName: st }).sum
      return `${st}: ${n(records)} records in (${this.#rate(`stream ${st}`, records)}/s)`
    })
    if (streams.length) lines.push(`  streams ${streams.join(' · ')}`)
    const deliveries: string[][] = [
      ['delivery', 'records to lake', '/s', 'files', 'errors', 'oldest pending'],
    ]
    for (const name of Object.keys(runtime.pipeline.deliveries)) {
      const dims = { DeliveryStreamName: name }
      const records = m.of(Firehose.DeliveryToS3_Records, dims).sum
      deliveries.push([
        `${name} → ${runtime.pipeline.deliveries[name]!.bucket}`,
        n(records),
        this.#rate(`delivery ${name}`, records),
        n(m.of(Firehose.DeliveryToS3_ObjectCount, dims).sum),
        n(m.of(Firehose.DeliveryToS3_ErrorOutputRecords, dims).sum),
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
    return lines
  }
}
