import type { FunctionSpec } from '../contracts/functions.ts'
import { FaultsToken } from '../faults/token.ts'
import { ConfigProblem, defineKind, type Reference } from '../kind/kind.ts'
import { named } from '../kind/references.ts'
import {
  AsyncInvokeToken,
  DestinationsToken,
  FunctionNamesToken,
  InvokerToken,
  ServedEndpointToken,
} from '../kind/tokens.ts'
import { Lambda } from '../monitor/catalog/index.ts'
import { MetricsToken } from '../monitor/tokens.ts'
import { StateStoreToken } from '../storage/state/token.ts'
import { asyncFailureHandler } from './async/async-failures.ts'
import { AsyncInvocations } from './async/async-invocations.ts'
import { awsTransportEnvironment, awsTransportMode, searchIndexEnvironment } from './aws-transport-env.ts'
import type { DeclaredResources } from './binding-usage.ts'
import { BindingRouter } from './bindings-host.ts'
import { type FunctionConfig, functionSchema } from './config.ts'
import { FaultingInvoker } from './faulting-invoker.ts'
import { functionSpec } from './handler-file.ts'
import { MeteredInvoker } from './metered-invoker.ts'
import { withPythonEnvs } from './runtimes/python-deps.ts'
import {
  AsyncInvocationsToken,
  BindingUseToken,
  FunctionLogsToken,
  FunctionSpecsToken,
  InvocationsToken,
  PoolToken,
} from './tokens.ts'
import { FunctionPool } from './workers/pool.ts'

const LOCAL_CALL_IN_AWS_MODE =
  'TRIBUTARY_TRANSPORT=aws: a binding call reached the local transport instead of the AWS APIs'

/**
 * Lambda functions: the worker pool running the handlers, the metered invoker event sources use,
 * Lambda's asynchronous invoke, and the router serving handlers' binding calls. Built after the
 * services handlers reach through bindings, so stopped (in-flight invocations finished) before them.
 */
export const functionKind = defineKind({
  kind: 'function',
  section: 'functions',
  noun: ['function', 'functions'],
  title: 'Lambda functions',
  layout: 'named',
  schema: functionSchema,
  synth: async () => (await import('./synth.ts')).functionSynth,
  references: (f) => {
    const refs: Reference[] = []
    const onFailure = f.asyncInvokeConfig?.destinationConfig?.onFailure
    if (onFailure) {
      const { kind, name } = named(onFailure)
      refs.push({
        path: ['asyncInvokeConfig', 'destinationConfig', 'onFailure', kind],
        kind,
        name,
        label: 'on failure',
      })
    }
    if (f.deadLetterQueue)
      refs.push({
        path: ['deadLetterQueue', 'queue'],
        kind: 'queue',
        name: f.deadLetterQueue.queue,
        label: 'dead letters',
      })
    for (const [field, access] of [
      ['reads', 'read'],
      ['writes', 'write'],
    ] as const)
      f[field]?.forEach((ref, i) => {
        // A metrics namespace names no resource of the pipeline: nothing to check or draw.
        if ('metrics' in ref) return
        const { kind, name } = named(ref)
        refs.push({ path: [field, i, kind], kind, name, label: field, access })
      })
    return refs
  },
  check: (name, f, env) => {
    functionSpec(name, f, env.dir)
  },
  dependsOn: ['stream', 'queue', 'topic', 'table'],
  async build(ctx, functions) {
    const metrics = ctx.need(MetricsToken)
    const bindingUse = ctx.need(BindingUseToken)
    const configs: Record<string, FunctionConfig> = Object.fromEntries(
      functions.map((f) => [f.name, f.config]),
    )
    const endpointUrl = ctx.need(ServedEndpointToken)
    const awsMode = awsTransportMode()
    if (awsMode && !endpointUrl)
      throw new ConfigProblem('TRIBUTARY_TRANSPORT=aws needs the AWS APIs served (the handlers call them)')
    const specs: FunctionSpec[] = await withPythonEnvs(
      functions.map(({ name, config }) => {
        const spec = functionSpec(name, config, ctx.dir)
        if (!endpointUrl) return spec
        if (!awsMode)
          return {
            ...spec,
            environment: { ...searchIndexEnvironment(config, endpointUrl), ...spec.environment },
          }
        const apis = { endpointUrl, region: ctx.region, account: ctx.account }
        const aws = awsTransportEnvironment(ctx.pipeline.name, config, apis)
        return { ...spec, environment: { ...aws, ...spec.environment } }
      }),
      ctx.dataDir,
      ctx.logger,
    )
    const declared: DeclaredResources = { ...ctx.pipeline, functions: configs }
    const state = ctx.need(StateStoreToken)
    const router = new BindingRouter(
      ctx.bindings,
      (call) => bindingUse.record(call, declared),
      // Streams acknowledge records themselves; every other service may have written to the state store.
      (call) => (call.service === 'stream' ? undefined : state.durable()),
    )
    const pool = new FunctionPool({
      functions: specs,
      // In AWS transport mode a call reaching the local transport is a bug: fail it, loudly.
      bindings: awsMode ? { call: () => Promise.reject(new Error(LOCAL_CALL_IN_AWS_MODE)) } : router,
      onLog: ctx.need(FunctionLogsToken),
      onInvocation: ctx.need(InvocationsToken),
      region: ctx.region,
      account: ctx.account,
      endpointUrl,
    })
    const timeouts = new Map(specs.map((s) => [s.name, s.timeoutMs]))
    // Faults inside the meter: a faulted invocation counts as the failure it stands for.
    const memory = new Map(specs.map((s) => [s.name, s.memoryMb]))
    const faulting = new FaultingInvoker(
      pool,
      ctx.need(FaultsToken),
      ctx.clock,
      (fn) => timeouts.get(fn) ?? 3000,
      {
        onInvocation: ctx.need(InvocationsToken),
        onLog: ctx.need(FunctionLogsToken),
        memoryMb: (fn) => memory.get(fn) ?? 128,
      },
    )
    const invoker = new MeteredInvoker(faulting, metrics, ctx.clock)
    const destinations = ctx.need(DestinationsToken)
    const asyncInvocations = new AsyncInvocations({
      store: state,
      invoker,
      clock: ctx.clock,
      metrics,
      logger: ctx.logger,
      config: (fn) => configs[fn]?.asyncInvokeConfig,
      onDropped: asyncFailureHandler({
        functions: configs,
        destinations: () => destinations,
        region: ctx.region,
        account: ctx.account,
        now: () => ctx.clock.now(),
        logger: ctx.logger,
      }),
    })
    ctx.offer(PoolToken, pool)
    ctx.offer(FunctionSpecsToken, new Map(specs.map((s) => [s.name, s])))
    ctx.offer(InvokerToken, invoker)
    ctx.offer(AsyncInvocationsToken, asyncInvocations)
    ctx.offer(AsyncInvokeToken, asyncInvocations)
    ctx.offer(FunctionNamesToken, (name: string) => Object.hasOwn(configs, name))
    return {
      pool,
      metrics,
      specs,
      start: () => asyncInvocations.start(),
      async stop() {
        faulting.close()
        await asyncInvocations.stop()
        await pool.close()
      },
    }
  },
  summary: ({ metrics, specs }, view) => [
    {
      table: 'functions',
      header: ['function', 'invocations', '/s', 'errors', 'throttles', 'mean duration'],
      rows: specs.map(({ name }) => {
        const dims = { FunctionName: name }
        const d = metrics.of(Lambda.Duration, dims)
        const invocations = metrics.of(Lambda.Invocations, dims).sum
        return [
          name,
          view.count(invocations),
          view.rate(`function ${name}`, invocations),
          view.count(metrics.of(Lambda.Errors, dims).sum),
          view.count(metrics.of(Lambda.Throttles, dims).sum),
          d.count ? `${(d.sum / d.count).toFixed(1)} ms` : '',
        ]
      }),
    },
  ],
})

/** ` (paused: ...)` after a function whose handler no longer loads (`tributary dev` holds it). */
export function pausedNote(pool: Pick<FunctionPool, 'loadFailure'>, fn: string): string {
  return pool.loadFailure(fn) ? ' (paused: handler does not load)' : ''
}
