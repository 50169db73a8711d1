// Process runtimes in the functions group (issue 12): Python and custom runtimes next to a Node.js
// worker thread. In this process, through the function pool of the checkout under test (as the
// pipeline's mappings call it): warm invoke overhead of an empty handler (sequential, after a
// warm-up), cold start on a fresh process (Python's handler imports boto3 and makes a client at
// init) and the RSS of a warm process (the REPORT's Max Memory Used: VmRSS after each
// invocation). Under `tributary dev`: no-op throughput at BatchSize 1000 through a Kinesis mapping,
// the TypeScript no-op drain case with the handler in Python and in a shell bootstrap.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import type { FunctionSpec, InvokeOutcome } from '../src/contracts/functions.ts'
import type { InvocationEvent } from '../src/functions/workers/function-worker.ts'
import type { FunctionPool, FunctionPoolOptions } from '../src/functions/workers/pool.ts'
import { type FunctionsRun, type NoopThroughputResult, noopThroughput } from './functions.ts'
import type { ProcessFunctionCode } from './pipelines.ts'
import { machineCpuMs } from './proc.ts'
import { removeDir, scratchDir } from './servers.ts'
import { percentile } from './stats.ts'

/** Debian's interpreter (python3-boto3) when the machine has it, else `python3` on PATH. */
const DEBIAN_PYTHON = '/usr/bin/python3'

export interface PythonInfo {
  interpreter: string
  version: string
  /** boto3's version, or undefined when it is not importable. */
  boto3: string | undefined
}

export type SubjectId = 'nodejs' | 'python' | 'shell' | 'node-bootstrap'

export interface WarmInvokeResult {
  subject: SubjectId
  label: string
  invocations: number
  p50: number
  p99: number
  max: number
  /** The process's RSS after the last invocation (REPORT's Max Memory Used), MB; none for threads. */
  rssMb: number | undefined
  /** Cores busy on the whole machine during the measured invocations (every process). */
  machineCores: number
  /** Cores this process (the engine's pool and the driver) used meanwhile. */
  benchCores: number
}

export interface ColdStartResult {
  subject: SubjectId
  label: string
  /** Invoke → response on a fresh pool (a new process or worker), ms, per sample. */
  samples: number[]
  p50: number
  max: number
  /** The environment's init phase as the REPORT shows it (`Init Duration`), median, ms. */
  initP50: number
  rssMb: number | undefined
}

export interface RuntimeThroughputResult extends NoopThroughputResult {
  subject: SubjectId
  label: string
}

export interface RuntimesResult {
  python: PythonInfo | undefined
  curl: string | undefined
  warm: WarmInvokeResult[]
  cold: ColdStartResult[]
  throughput: RuntimeThroughputResult[]
  /** Cases not run, and why. */
  skipped: string[]
}

const EMPTY_NODE = 'export const handler = async () => null\n'
const EMPTY_PYTHON = 'def handler(event, context):\n    return None\n'
// What a data engineer's handler does at init: import boto3 and make a client (no request yet).
const BOTO3_PYTHON = `import boto3

s3 = boto3.client("s3")


def handler(event, context):
    return None
`
const NOOP_PYTHON = `import os
import time

_out = os.path.join(os.environ["BENCH_OUT"], f"{os.getpid()}.log")


def handler(event, context):
    started = int(time.time() * 1000)
    with open(_out, "a") as f:
        f.write(f"{started} {len(event['Records'])}\\n")
`
/** The Runtime API loop of AWS's custom runtime tutorial: curl for next and response. */
const SHELL_LOOP = (body: string) => `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
EVENT=$(mktemp)
while true; do
  curl -sS -D "$HEADERS" -o "$EVENT" "$API/invocation/next"
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
${body}
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d 'null'
done
`
const EMPTY_SHELL = SHELL_LOOP('  :')
const NOOP_SHELL = SHELL_LOOP(
  `  echo "$(date +%s%3N) $(grep -o '"eventID"' "$EVENT" | wc -l)" >> "$BENCH_OUT/$$.log"`,
)
/** A custom runtime in Node.js (fetch): the Runtime API's own cost, without the shell's forks. */
const EMPTY_NODE_BOOTSTRAP = `#!${process.execPath}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime'
;(async () => {
  for (;;) {
    const res = await fetch(api + '/invocation/next')
    const id = res.headers.get('lambda-runtime-aws-request-id')
    await res.arrayBuffer()
    await (await fetch(api + '/invocation/' + id + '/response', { method: 'POST', body: 'null' })).arrayBuffer()
  }
})()
`

export function pythonInfo(): PythonInfo | undefined {
  const interpreter = existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : 'python3'
  const probe = spawnSync(
    interpreter,
    [
      '-c',
      'import sys\ntry:\n import boto3; v = boto3.__version__\nexcept ImportError:\n v = ""\nprint(sys.version.split()[0], v)',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  )
  if (probe.status !== 0) return undefined
  const [version = '', boto3 = ''] = probe.stdout.trim().split(' ')
  return { interpreter, version, boto3: boto3 || undefined }
}

function curlVersion(): string | undefined {
  const probe = spawnSync('curl', ['--version'], { encoding: 'utf8' })
  return probe.status === 0 ? probe.stdout.split(' ')[1] : undefined
}

interface Subject {
  id: SubjectId
  label: string
  spec: (dir: string, name: string) => FunctionSpec
  files: Record<string, string>
}

function spec(dir: string, name: string, over: Partial<FunctionSpec>): FunctionSpec {
  return {
    name,
    file: '',
    exportName: 'handler',
    timeoutMs: 30_000,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
    codeDir: dir,
    ...over,
  }
}

function subjects(python: PythonInfo | undefined, curl: string | undefined) {
  const node: Subject = {
    id: 'nodejs',
    label: 'nodejs20.x (worker thread)',
    files: { 'handler.mjs': EMPTY_NODE },
    spec: (dir, name) =>
      spec(dir, name, { file: join(dir, 'handler.mjs'), runtime: 'nodejs20.x', codeDir: undefined }),
  }
  const py = (code: string): Subject => ({
    id: 'python',
    label: `python3.12 (${python?.interpreter} ${python?.version})`,
    files: { 'handler.py': code },
    spec: (dir, name) =>
      spec(dir, name, {
        file: join(dir, 'handler.py'),
        runtime: 'python3.12',
        handler: 'handler.handler',
        interpreter: python?.interpreter,
      }),
  })
  const provided = (id: SubjectId, label: string, bootstrap: string): Subject => ({
    id,
    label,
    files: { bootstrap },
    spec: (dir, name) =>
      spec(dir, name, {
        file: join(dir, 'bootstrap'),
        runtime: 'provided.al2023',
        handler: 'function.handler',
      }),
  })
  const shell = provided('shell', `provided.al2023 (sh + curl ${curl})`, EMPTY_SHELL)
  const nodeBootstrap = provided(
    'node-bootstrap',
    'provided.al2023 (Node.js bootstrap, fetch)',
    EMPTY_NODE_BOOTSTRAP,
  )
  return {
    warm: [node, ...(python ? [py(EMPTY_PYTHON)] : []), ...(curl ? [shell] : []), nodeBootstrap],
    cold: [
      node,
      ...(python?.boto3 ? [{ ...py(BOTO3_PYTHON), label: `${py('').label}, import boto3` }] : []),
      ...(curl ? [shell] : []),
    ],
  }
}

type PoolModule = typeof import('../src/functions/workers/pool.ts')

/** The checkout's pool, when it has process runtimes. */
async function poolModule(root: string): Promise<PoolModule | undefined> {
  if (!existsSync(join(root, 'src/functions/runtimes/catalog.ts'))) return undefined
  return (await import(pathToFileURL(join(root, 'src/functions/workers/pool.ts')).href)) as PoolModule
}

class Pool {
  readonly ends: Extract<InvocationEvent, { phase: 'end' }>[] = []
  readonly pool: FunctionPool
  constructor(mod: PoolModule, functions: FunctionSpec[]) {
    const options: FunctionPoolOptions = {
      functions,
      bindings: { call: () => Promise.reject(new Error('no bindings in this bench')) },
      onInvocation: (e) => {
        if (e.phase === 'end') this.ends.push(e)
      },
      // Clients are made at init, never used: no request leaves the process.
      endpointUrl: 'http://127.0.0.1:9',
    }
    this.pool = new mod.FunctionPool(options)
  }

  async invoke(name: string): Promise<number> {
    const t0 = performance.now()
    const outcome: InvokeOutcome = await this.pool.invoke(name, {})
    const ms = performance.now() - t0
    if (outcome.kind !== 'ok') throw new Error(`${name}: ${outcome.kind} ${JSON.stringify(outcome)}`)
    return ms
  }

  lastRssMb(): number | undefined {
    return this.ends.at(-1)?.maxMemoryUsedMb
  }
}

function codeDir(root: string, subject: Subject): string {
  const dir = scratchDir(join(root, 'bench', '.generated'), `runtime-${subject.id}-`)
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(subject.files))
    writeFileSync(join(dir, name), text, { mode: name === 'bootstrap' ? 0o755 : 0o644 })
  return dir
}

async function warmInvoke(
  mod: PoolModule,
  run: FunctionsRun,
  subject: Subject,
  o: { warmup: number; invocations: number },
): Promise<WarmInvokeResult> {
  const dir = codeDir(run.root, subject)
  const p = new Pool(mod, [subject.spec(dir, 'empty')])
  try {
    for (let i = 0; i < o.warmup; i++) await p.invoke('empty')
    const ms: number[] = []
    const machine0 = machineCpuMs().busy
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < o.invocations; i++) ms.push(await p.invoke('empty'))
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    return {
      subject: subject.id,
      label: subject.label,
      invocations: o.invocations,
      p50: percentile(ms, 50),
      p99: percentile(ms, 99),
      max: percentile(ms, 100),
      rssMb: subject.id === 'nodejs' ? undefined : p.lastRssMb(),
      machineCores: (machineCpuMs().busy - machine0) / wallMs,
      benchCores: (cpu.user + cpu.system) / 1000 / wallMs,
    }
  } finally {
    await p.pool.close()
    removeDir(dir)
  }
}

async function coldStart(
  mod: PoolModule,
  run: FunctionsRun,
  subject: Subject,
  samples: number,
): Promise<ColdStartResult> {
  const dir = codeDir(run.root, subject)
  const ms: number[] = []
  const init: number[] = []
  let rssMb: number | undefined
  try {
    for (let i = 0; i < samples; i++) {
      const p = new Pool(mod, [subject.spec(dir, `cold${i}`)])
      try {
        ms.push(await p.invoke(`cold${i}`))
        init.push(p.ends[0]?.initDurationMs ?? Number.NaN)
        if (subject.id !== 'nodejs') rssMb = p.lastRssMb()
      } finally {
        await p.pool.close()
      }
    }
  } finally {
    removeDir(dir)
  }
  return {
    subject: subject.id,
    label: subject.label,
    samples: ms,
    p50: percentile(ms, 50),
    max: percentile(ms, 100),
    initP50: percentile(init, 50),
    rssMb,
  }
}

/** PATH with Debian's interpreter first, so `python3` in `tributary dev` is the one measured. */
function envFor(python: PythonInfo): NodeJS.ProcessEnv {
  if (python.interpreter !== DEBIAN_PYTHON) return process.env
  return { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` }
}

export async function runtimesCases(
  run: FunctionsRun,
  o: {
    warmup: number
    invocations: number
    coldSamples: number
    noopRecords: number
    batches: PutRecordsRequestEntry[][]
  },
): Promise<RuntimesResult> {
  const python = pythonInfo()
  const curl = curlVersion()
  const result: RuntimesResult = { python, curl, warm: [], cold: [], throughput: [], skipped: [] }
  if (!python) result.skipped.push('Python: no python3 (apt-get install python3-boto3)')
  else if (!python.boto3)
    result.skipped.push(`Python cold start with boto3: no boto3 for ${python.interpreter}`)
  if (!curl) result.skipped.push('shell bootstrap: no curl (apt-get install curl)')
  const mod = await poolModule(run.root)
  if (!mod) {
    result.skipped.push(`${run.root} has no process runtimes (src/functions/runtimes/)`)
    return result
  }
  // The pool unreferences idle processes (they must not keep an engine alive) and, here, nothing
  // else holds the event loop open while a process starts.
  const keepAlive = setInterval(() => {}, 60_000)
  try {
    await poolCases(mod, run, o, subjects(python, curl), result)
  } finally {
    clearInterval(keepAlive)
  }
  const drains: { id: SubjectId; label: string; code: ProcessFunctionCode }[] = []
  if (python)
    drains.push({
      id: 'python',
      label: `python3.12 (${python.interpreter})`,
      code: { runtime: 'python3.12', handler: 'handler.handler', files: { 'handler.py': NOOP_PYTHON } },
    })
  if (curl)
    drains.push({
      id: 'shell',
      label: 'provided.al2023 (sh + curl)',
      code: { runtime: 'provided.al2023', handler: 'function.handler', files: { bootstrap: NOOP_SHELL } },
    })
  for (const d of drains) {
    run.log(`runtimes: no-op drain, ${d.label}`)
    const env = python ? envFor(python) : process.env
    const r = await noopThroughput(
      { ...run, env },
      { records: o.noopRecords, batches: o.batches, code: d.code },
    )
    result.throughput.push({ ...r, subject: d.id, label: d.label })
  }
  return result
}

async function poolCases(
  mod: PoolModule,
  run: FunctionsRun,
  o: { warmup: number; invocations: number; coldSamples: number },
  cases: ReturnType<typeof subjects>,
  result: RuntimesResult,
): Promise<void> {
  for (const s of cases.warm) {
    run.log(`runtimes: warm invoke, ${s.label}`)
    result.warm.push(await warmInvoke(mod, run, s, o))
  }
  for (const s of cases.cold) {
    run.log(`runtimes: cold start, ${s.label}`)
    result.cold.push(await coldStart(mod, run, s, o.coldSamples))
  }
}
