import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import {
  AWS_METRICS,
  defineNamespace,
  Firehose,
  flows,
  Kinesis,
  Lambda,
  levels,
  MetricScope,
  MetricScopes,
  metricSeries,
  SQS,
} from '../../src/monitor/catalog/index.ts'
import { type MetricDatum, MetricTotals } from '../../src/monitor/metrics.ts'
import { pipelineRegistry } from '../../src/monitor/prometheus.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { filesUnder } from '../helpers/files.ts'

const ROOT = join(import.meta.dirname, '../..')

class CountingClock extends ManualClock {
  reads = 0

  override now(): number {
    this.reads++
    return super.now()
  }
}

function collector(): { datums: MetricDatum[]; record(d: MetricDatum): void } {
  const datums: MetricDatum[] = []
  return { datums, record: (d) => datums.push(d) }
}

describe('the metric catalog', () => {
  it.each(AWS_METRICS.map((m) => [`${m.namespace} ${m.name}`, m] as const))('%s is well formed', (_, m) => {
    expect(m.namespace).toMatch(/^AWS\/[A-Za-z]+$/)
    expect(m.name).toMatch(/^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/)
    expect(['Count', 'Milliseconds', 'Bytes', 'None', 'Percent']).toContain(m.unit)
    expect(['flow', 'level']).toContain(m.kind)
    expect(m.dimensions.length).toBeGreaterThan(0)
    expect(m.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//)
  })

  it('names each metric once per namespace, with "." where its key has "_"', () => {
    const ids = AWS_METRICS.map((m) => `${m.namespace} ${m.name}`)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Firehose.DeliveryToS3_Records.name).toBe('DeliveryToS3.Records')
    expect(Kinesis.GetRecords_IteratorAgeMilliseconds.name).toBe('GetRecords.IteratorAgeMilliseconds')
  })

  it('refuses a metric named twice in one namespace', () => {
    expect(() =>
      defineNamespace('AWS/Test', 'https://docs.aws.amazon.com/', [
        flows('Count', ['Name'], ['Records']),
        levels('Count', ['Name'], ['Records']),
      ]),
    ).toThrow('AWS/Test Records is in the catalog twice')
  })

  it('docs/monitoring.md lists every metric of the catalog', async () => {
    const doc = await readFile(join(ROOT, 'docs/monitoring.md'), 'utf8')
    const rows = doc.split('\n').filter((l) => l.startsWith('| `AWS/'))
    const listed = new Set(
      rows.flatMap((row) => {
        const namespace = row.match(/^\| `(AWS\/\w+)`/)![1]
        const metrics = row.split('|')[2]!
        return [...metrics.matchAll(/`([^`]+)`/g)].map((m) => `${namespace} ${m[1]}`)
      }),
    )
    const missing = AWS_METRICS.map((m) => `${m.namespace} ${m.name}`).filter((id) => !listed.has(id))
    expect(missing).toEqual([])
  })
})

describe('MetricScope', () => {
  it("publishes the spec's namespace, name and unit with the scope's dimensions", () => {
    const sink = collector()
    const clock = new ManualClock(1_000)
    const fn = new MetricScope(sink, { FunctionName: 'enrich' }, clock)

    fn.record(Lambda.Duration, 12.5)
    clock.advance(5)
    fn.record(Lambda.Errors, 1, 42)

    expect(sink.datums).toEqual([
      {
        namespace: 'AWS/Lambda',
        name: 'Duration',
        dimensions: { FunctionName: 'enrich' },
        value: 12.5,
        unit: 'Milliseconds',
        timestamp: 1_000,
      },
      {
        namespace: 'AWS/Lambda',
        name: 'Errors',
        dimensions: { FunctionName: 'enrich' },
        value: 1,
        unit: 'Count',
        timestamp: 42,
      },
    ])
  })

  it('resolves the dimensions once: every datapoint shares one frozen object', () => {
    const sink = collector()
    const dims = { QueueName: 'orders' }
    const queue = new MetricScope(sink, dims)

    queue.record(SQS.NumberOfMessagesSent, 1)
    queue.record(SQS.SentMessageSize, 120)

    expect(sink.datums[0]!.dimensions).toBe(sink.datums[1]!.dimensions)
    expect(sink.datums[0]!.dimensions).not.toBe(dims)
    expect(Object.isFrozen(sink.datums[0]!.dimensions)).toBe(true)
  })

  it('does nothing without a sink, and never reads the clock then', () => {
    const clock = new CountingClock()

    new MetricScope(undefined, { StreamName: 's' }, clock).record(Kinesis.IncomingRecords, 1)

    expect(clock.reads).toBe(0)
  })

  it('MetricScopes builds one scope per dimension value', () => {
    const sink = collector()
    const streams = new MetricScopes(sink, 'StreamName')

    expect(streams.of('a')).toBe(streams.of('a'))
    expect(streams.of('a')).not.toBe(streams.of('b'))
    streams.of('b').record(Kinesis.IncomingBytes, 10, 0)
    expect(sink.datums).toMatchObject([
      { name: 'IncomingBytes', unit: 'Bytes', dimensions: { StreamName: 'b' } },
    ])
  })

  it('a misspelled metric name or a wrong dimension is a type error (checked by tsc)', () => {
    const sink = collector()
    const fn = new MetricScope(sink, { FunctionName: 'f' })
    const both = new MetricScope(sink, { FunctionName: 'f', Resource: 'r' })

    // @ts-expect-error: no metric named Invocation
    expect(Lambda.Invocation).toBeUndefined()
    // @ts-expect-error: PolledEventCount is published by EventSourceMappingUUID, not FunctionName
    fn.record(Lambda.PolledEventCount, 1)
    // @ts-expect-error: Invocations has FunctionName only, not FunctionName and Resource
    both.record(Lambda.Invocations, 1)
    // @ts-expect-error: StreamNam is not IncomingRecords' dimension
    metricSeries(Kinesis.IncomingRecords, { StreamNam: 's' })
    // @ts-expect-error: a queue metric read by topic
    new MetricTotals().of(SQS.NumberOfMessagesSent, { TopicName: 't' })

    expect(sink.datums).toHaveLength(2)
  })
})

describe('readers name metrics through the catalog', () => {
  it('MetricTotals.of reads one series of a catalog metric', () => {
    const totals = new MetricTotals()
    new MetricScope(totals, { DeliveryStreamName: 'lake' }).record(Firehose.DeliveryToS3_Records, 500, 0)

    expect(totals.of(Firehose.DeliveryToS3_Records, { DeliveryStreamName: 'lake' }).sum).toBe(500)
    expect(metricSeries(Firehose.DeliveryToS3_Records, { DeliveryStreamName: 'lake' })).toEqual({
      namespace: 'AWS/Firehose',
      name: 'DeliveryToS3.Records',
      dimensions: { DeliveryStreamName: 'lake' },
    })
  })

  it('/metrics exports every level of the catalog as a gauge and every Count flow as a counter', async () => {
    const totals = AWS_METRICS.map((m) => ({
      namespace: m.namespace,
      name: m.name,
      dimensions: Object.fromEntries(m.dimensions.map((d) => [d, 'x'])),
      unit: m.unit,
      sum: 1,
      count: 1,
      last: 1,
    }))
    const metrics = await pipelineRegistry(totals).getMetricsAsJSON()
    const types = new Map(metrics.map((m) => [m.help.replace(/ \(.*\)$/, ''), String(m.type)]))

    for (const m of AWS_METRICS) {
      const type = types.get(`CloudWatch ${m.namespace} ${m.name}`)
      if (m.kind === 'level') expect(type, m.name).toBe('gauge')
      else if (m.unit === 'Count') expect(type, m.name).toBe('counter')
    }
  })
})

/**
 * Where a metric's name or namespace may still be written as a string outside the catalog, and
 * why. Anything else is a reader or producer that should name the metric by its spec.
 */
const ALLOWED: Record<string, string[]> = {
  // Kinesis's ShardLevelMetrics enum (EnableEnhancedMonitoring's wire values), not metrics we publish.
  'src/stream/types.ts': [
    'IncomingBytes',
    'IncomingRecords',
    'WriteProvisionedThroughputExceeded',
    'ReadProvisionedThroughputExceeded',
  ],
  // SQS's queue attributes (GetQueueAttributes), which share the names of SQS's depth metrics.
  'src/api/sqs/attributes.ts': [
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ],
}

/** String literals (and template text) in a TypeScript file, with their line numbers. */
function stringLiterals(path: string, text: string): { text: string; line: number }[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const out: { text: string; line: number }[] = []
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && node.text !== '') {
      out.push({ text: node.text, line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1 })
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return out
}

describe('no metric name outside the catalog', () => {
  it('src/ spells no catalog metric name or namespace as a string literal outside src/monitor/catalog/', async () => {
    const words = new Set(AWS_METRICS.flatMap((m) => [m.name, m.namespace]))
    const files = (await filesUnder(join(ROOT, 'src')))
      .filter((f) => /\.(ts|mts)$/.test(f) && !f.startsWith('monitor/catalog/'))
      .map((f) => `src/${f}`)
    const found: string[] = []
    for (const path of files) {
      const literals = stringLiterals(path, await readFile(join(ROOT, path), 'utf8'))
      for (const { text, line } of literals) {
        if (words.has(text) && !ALLOWED[path]?.includes(text)) found.push(`${path}:${line} '${text}'`)
      }
    }
    expect(found).toEqual([])
  })

  it('the scan sees literals, template text and nothing in comments', () => {
    const literals = stringLiterals(
      'x.ts',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
      "// 'Errors'\nconst a = 'Invocations'\nconst b = `Duration${a}`\nconst c = { \"Throttles\": 1 }",
    )
    expect(literals.map((l) => l.text)).toEqual(['Invocations', 'Duration', 'Throttles'])
  })
})
