import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { FunctionLog } from '../contracts/functions.ts'
import type { AnyKind } from '../kind/kind.ts'
import { type LoadedPipeline, loadPipeline } from '../pipeline/load.ts'
import { PipelineRuntime } from '../pipeline/runtime.ts'
import type { PipelineDefinition } from '../pipeline/schema.ts'
import { validatePipeline } from '../pipeline/validate.ts'
import { ManualClock } from '../util/clock.ts'
import { Activity } from './activity.ts'
import { TestPipeline } from './test-pipeline.ts'

/** A pipeline file (or the directory holding `tributary.config.ts`), or a definition in code. */
export type PipelineSource = string | URL | PipelineDefinition

export interface StartPipelineOptions {
  /**
   * Where the pipeline keeps its state and lake. Default: a new temporary directory, deleted by
   * {@link TestPipeline.dispose}. Pass the `dataDir` of a closed pipeline to restart it.
   */
  dataDir?: string
  /** The clock; default a {@link ManualClock} at the current time. Nothing in the pipeline sleeps on real time. */
  clock?: ManualClock
  /** For a definition: the directory its handler paths are relative to (default: the working directory). */
  dir?: string
  /**
   * Environment variables set while the pipeline loads and starts (a config reading
   * `process.env`, SMTP settings from `TRIBUTARY_SMTP_*`), restored afterwards.
   */
  env?: Record<string, string>
  /**
   * Also serve the AWS APIs (Kinesis, Firehose) on a free loopback port: {@link TestPipeline.endpoint}
   * and a ready {@link TestPipeline.kinesis} client, so the test puts records as production code does.
   */
  serve?: boolean
  /**
   * Registers the pipeline's cleanup with the test framework, run after the test whatever its
   * outcome: `onTestFinished` (vitest), `(dispose) => t.after(dispose)` (node:test). Without it,
   * call {@link TestPipeline.dispose} yourself (in an `afterEach`, say).
   */
  teardown?: (dispose: () => Promise<void>) => void
  /** Every line a handler logs, as it is logged (they are also collected in {@link TestPipeline.logs}). */
  onLog?: (log: FunctionLog) => void
  /**
   * The resource kinds (default: Tributary's). For testing a new kind before it joins the list:
   * `[...KINDS, myKind]` (docs/architecture.md, "Adding a resource kind").
   */
  kinds?: readonly AnyKind[]
  /**
   * The window over which ON_DEMAND streams' traffic must be sustained before they scale
   * (docs/kinesis-api.md#on-demand-scaling; default a minute, as in `tributary dev`): a shorter
   * one lets a test drive scaling with less traffic.
   */
  onDemandWindowMs?: number
}

/**
 * Starts a pipeline for a test: the whole runtime in this process (handlers in worker threads, as
 * in `tributary dev`), on a manual clock, with its own data directory. Resolves once every stream
 * it declares is ACTIVE.
 *
 * @example
 * import { startPipeline } from 'tributary-pipeline/testing'
 *
 * const p = await startPipeline(new URL('../tributary.config.ts', import.meta.url), { teardown: onTestFinished })
 * await p.put('events', [{ type: 'click' }])
 * await p.settle()
 * expect(await p.lake.keys('processed')).toHaveLength(1)
 */
export async function startPipeline(
  source: PipelineSource,
  options: StartPipelineOptions = {},
): Promise<TestPipeline> {
  const ownDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tributary-test-')))
  const clock = options.clock ?? new ManualClock(Date.now())
  const logs: FunctionLog[] = []
  let activity: Activity | undefined
  const runtime = await withEnv(options.env, async () =>
    PipelineRuntime.start({
      pipeline: await load(source, options.dir, options.kinds),
      kinds: options.kinds,
      dataDir,
      clock,
      // Streams become ACTIVE at the first step of the clock, not after AWS's delay.
      createStreamMs: 0,
      ...(options.onDemandWindowMs !== undefined && { onDemandWindowMs: options.onDemandWindowMs }),
      onLog: (log) => {
        logs.push(log)
        activity?.event()
        options.onLog?.(log)
      },
      // TRIBUTARY_TRANSPORT=aws: handlers' bindings call the served AWS APIs (docs/functions.md, "Bindings on AWS").
      ...(options.serve
        ? { serve: { port: 0 } }
        : process.env.TRIBUTARY_TRANSPORT === 'aws'
          ? { serve: { port: 0, apisOnly: true } }
          : {}),
    }),
  ).catch(async (error: unknown) => {
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  activity = new Activity(runtime)
  const kinesis = runtime.server ? await kinesisClient(runtime.server.url, runtime.engine.region) : undefined
  const p = new TestPipeline({ runtime, clock, dataDir, ownDataDir, logs, activity, kinesis })
  options.teardown?.(() => p.dispose())
  await p.active()
  return p
}

async function load(
  source: PipelineSource,
  dir: string | undefined,
  kinds: readonly AnyKind[] | undefined,
): Promise<LoadedPipeline> {
  if (typeof source === 'string') return loadPipeline(source, kinds)
  if (source instanceof URL) return loadPipeline(fileURLToPath(source), kinds)
  const base = resolve(dir ?? process.cwd())
  // A definition has no file; handlers resolve against `dir`, as against a pipeline file's directory.
  return { file: join(base, 'tributary.config.ts'), dir: base, ...validatePipeline(source, base, kinds) }
}

async function withEnv<T>(env: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!env) return fn()
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** A Kinesis client for the served endpoint; loaded only when asked for (the SDK is large). */
async function kinesisClient(endpoint: string, region: string): Promise<KinesisClient> {
  const { KinesisClient } = await import('@aws-sdk/client-kinesis')
  // Any credentials do: the endpoint checks signatures only when started with auth.
  return new KinesisClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
}
