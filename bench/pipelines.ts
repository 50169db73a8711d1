// Pipelines generated for the functions group: a tributary.config.ts with one stream, one function
// and one Kinesis mapping, and the handler. They are written under <checkout>/bench/.generated/
// (inside the package, so the config's import of the package resolves by self-reference) and
// deleted after the run. Handlers report to files in BENCH_OUT, one file per worker thread.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { scratchDir } from './servers.ts'

/**
 * The package name of the checkout, as its configs import it: a baseline checkout from before the
 * package was renamed (it was `tributary`) is still benchmarked with its own name.
 */
function packageName(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name
}

export interface PipelineSpec {
  stream: string
  shards: number
  batchSize: number
  startingPosition: 'LATEST' | 'TRIM_HORIZON'
  /** Source of handler.mjs; it exports `handler`. */
  handler: string
  /** A function on a process runtime instead (Python, a custom `bootstrap`): its code files. */
  code?: ProcessFunctionCode
}

/** A process runtime's function for a generated pipeline (bench/functions-runtimes.ts). */
export interface ProcessFunctionCode {
  runtime: string
  /** Lambda's handler string (`handler.handler` for Python; `_HANDLER` for a custom runtime). */
  handler: string
  /** Files of the code directory: name → text; `bootstrap` is made executable. */
  files: Record<string, string>
}

export interface GeneratedPipeline {
  /** The directory; delete it with removeDir. */
  dir: string
  /** The tributary.config.ts to pass to `tributary dev`. */
  file: string
  /** Where the handler writes what it saw (BENCH_OUT). */
  outDir: string
}

/**
 * Each record's data starts with `<Date.now() when sent>,<sequence number>,`. Per record, the
 * handler keeps the sequence number and (its start time − that stamp); every 100 ms it appends
 * what it collected as one JSON line.
 */
export const LATENCY_HANDLER = `import { appendFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

const file = \`\${process.env.BENCH_OUT}/\${threadId}.jsonl\`
let records = []
let invocations = 0
setInterval(() => {
  if (invocations === 0) return
  appendFileSync(file, \`\${JSON.stringify({ invocations, records })}\\n\`)
  records = []
  invocations = 0
}, 100)

export const handler = async (event) => {
  const invokedAt = Date.now()
  invocations++
  for (const r of event.Records) {
    const head = Buffer.from(r.kinesis.data.slice(0, 40), 'base64').toString('latin1').split(',')
    records.push(Number(head[1]), invokedAt - Number(head[0]))
  }
}
`

/** Does nothing but note `<Date.now() at start> <records>` per invocation. */
export const NOOP_HANDLER = `import { appendFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'

const file = \`\${process.env.BENCH_OUT}/\${threadId}.log\`

export const handler = async (event) => {
  appendFileSync(file, \`\${Date.now()} \${event.Records.length}\\n\`)
}
`

export function writePipeline(root: string, spec: PipelineSpec): GeneratedPipeline {
  const dir = scratchDir(join(root, 'bench', '.generated'), 'functions-')
  const outDir = join(dir, 'out')
  mkdirSync(outDir)
  writeFileSync(join(dir, 'handler.mjs'), spec.handler)
  let fn = "handler: 'handler.handler'"
  if (spec.code) {
    mkdirSync(join(dir, 'code'))
    for (const [name, text] of Object.entries(spec.code.files))
      writeFileSync(join(dir, 'code', name), text, { mode: name === 'bootstrap' ? 0o755 : 0o644 })
    fn = `runtime: '${spec.code.runtime}', code: 'code', handler: '${spec.code.handler}'`
  }
  const file = join(dir, 'tributary.config.ts')
  writeFileSync(
    file,
    `import { definePipeline } from '${packageName(root)}'

export default definePipeline({
  name: 'bench-functions',
  streams: { '${spec.stream}': { shardCount: ${spec.shards} } },
  functions: {
    bench: { ${fn}, timeout: 60, environment: { BENCH_OUT: '${outDir}' } },
  },
  mappings: [
    {
      function: 'bench',
      stream: '${spec.stream}',
      startingPosition: '${spec.startingPosition}',
      batchSize: ${spec.batchSize},
      maximumBatchingWindowInSeconds: 0,
    },
  ],
})
`,
  )
  return { dir, file, outDir }
}

/** A pipeline with one stream, one bucket, one delivery stream from that stream, and its catalog. */
export interface DeliveryPipelineSpec {
  stream: string
  shards: number
  bucket: string
  delivery: string
  /** The delivery stream's definition (without `stream` and `bucket`), as plain data. */
  config: Record<string, unknown>
  /** Catalog tables (Parquet conversion), as plain data. */
  catalog?: Record<string, unknown>
}

export function writeDeliveryPipeline(
  root: string,
  spec: DeliveryPipelineSpec,
): Pick<GeneratedPipeline, 'dir' | 'file'> {
  const dir = scratchDir(join(root, 'bench', '.generated'), 'delivery-')
  const file = join(dir, 'tributary.config.ts')
  const json = (value: unknown) => JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')
  const delivery = { stream: spec.stream, bucket: spec.bucket, ...spec.config }
  writeFileSync(
    file,
    `import { definePipeline } from '${packageName(root)}'

export default definePipeline({
  name: 'bench-delivery',
  streams: { '${spec.stream}': { shardCount: ${spec.shards} } },
  buckets: { '${spec.bucket}': {} },
  catalog: ${json(spec.catalog ?? {})},
  deliveries: ${json({ [spec.delivery]: delivery })},
})
`,
  )
  return { dir, file }
}

/** A pipeline with one stream and nothing else (the monitor group: ingest only). */
export function writeStreamPipeline(
  root: string,
  spec: { stream: string; shards: number },
): Pick<GeneratedPipeline, 'dir' | 'file'> {
  const dir = scratchDir(join(root, 'bench', '.generated'), 'monitor-')
  const file = join(dir, 'tributary.config.ts')
  writeFileSync(
    file,
    `import { definePipeline } from '${packageName(root)}'

export default definePipeline({
  name: 'bench-monitor',
  streams: { '${spec.stream}': { shardCount: ${spec.shards} } },
})
`,
  )
  return { dir, file }
}

/**
 * A pipeline with one queue and nothing else (the aws-apis group: its bucket and table are
 * created through the S3 and DynamoDB APIs, as on the peers).
 */
export function writeQueuePipeline(root: string, queue: string): Pick<GeneratedPipeline, 'dir' | 'file'> {
  const dir = scratchDir(join(root, 'bench', '.generated'), 'aws-apis-')
  const file = join(dir, 'tributary.config.ts')
  writeFileSync(
    file,
    `import { definePipeline } from '${packageName(root)}'

export default definePipeline({
  name: 'bench-aws-apis',
  queues: { '${queue}': {} },
})
`,
  )
  return { dir, file }
}
