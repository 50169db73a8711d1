import { availableParallelism } from 'node:os'
import { PipelineRebuildingError, type PipelineServices } from '../api/pipeline-services.ts'
import type { ServerOptions, WebRoute } from '../api/server.ts'
import { TributaryServer } from '../api/server.ts'
import type { FunctionLog } from '../contracts/functions.ts'
import { EncoderPool } from '../delivery/encoders/index.ts'
import type { DeliveryStreams } from '../delivery/streams/delivery-streams.ts'
import { DeliveriesToken, EncoderToken, SyncToken } from '../delivery/tokens.ts'
import type { DeliveryService } from '../delivery/types.ts'
import { type EngineOptions, StreamEngine } from '../engine/engine.ts'
import { EngineToken } from '../engine/tokens.ts'
import { faultRoute } from '../faults/routes.ts'
import { FaultsToken } from '../faults/token.ts'
import { BindingUsage } from '../functions/binding-usage.ts'
import { kinesisMappingKind } from '../functions/kinesis/kind.ts'
import type { KinesisMapping } from '../functions/kinesis/mapping.ts'
import { sqsMappingKind } from '../functions/sqs/kind.ts'
import type { SqsMapping } from '../functions/sqs/sqs-mapping.ts'
import {
  AsyncInvocationsToken,
  BindingUseToken,
  FunctionLogsToken,
  InvocationsToken,
  PoolToken,
} from '../functions/tokens.ts'
import type { InvocationEvent } from '../functions/workers/function-worker.ts'
import type { FunctionPool } from '../functions/workers/pool.ts'
import type {
  AnyKind,
  BindingHandler,
  BuildContext,
  Part,
  PartOf,
  SummaryBlock,
  SummaryView,
  Token,
} from '../kind/kind.ts'
import { ServedEndpointToken } from '../kind/tokens.ts'
import type { BucketStore } from '../lake/buckets/bucket-store.ts'
import { BucketRegistryToken, BucketStoreToken } from '../lake/tokens.ts'
import type { AlarmEvaluator } from '../monitor/alarms/evaluator.ts'
import { parseEmf } from '../monitor/emf.ts'
import {
  consoleLine,
  endLine,
  exitErrorLine,
  MemorySample,
  reportLine,
  startLine,
} from '../monitor/logs/lambda-lines.ts'
import { functionLogGroup, functionLogStream, LogStore } from '../monitor/logs/log-store.ts'
import { createMetricBindings } from '../monitor/metric-bindings.ts'
import { MetricStore } from '../monitor/metric-store.ts'
import { MetricTotals } from '../monitor/metrics.ts'
import { PrometheusExporter } from '../monitor/prometheus.ts'
import { AlarmsToken, DashboardUrlToken, MetricStoreToken, MetricsToken } from '../monitor/tokens.ts'
import { SearchIndexesToken } from '../search/tokens.ts'
import type { QueueService } from '../services/queues/queue-service.ts'
import { scheduleKind } from '../services/schedules/kind.ts'
import type { Scheduler } from '../services/schedules/scheduler.ts'
import { scheduledEvent } from '../services/schedules/scheduler.ts'
import { QueuesToken, TableRegistryToken, TablesToken, TopicsToken } from '../services/tokens.ts'
import type { TopicService } from '../services/topics/topic-service.ts'
import { StateStoreToken } from '../storage/state/token.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { KINDS } from './kinds.ts'
import type { LoadedPipeline } from './load.ts'
import { buildOrder, resourcesOf } from './resources.ts'
import type { Pipeline } from './schema.ts'

export interface PipelineRuntimeOptions extends Omit<EngineOptions, 'logger'> {
  pipeline: LoadedPipeline
  logger?: Logger
  /** Every line a handler logs. */
  onLog?: (log: FunctionLog) => void
  /** Serve the Kinesis API too (what `tributary dev` does). */
  serve?: Pick<ServerOptions, 'host' | 'port' | 'allowedHosts' | 'corsOrigins'> & {
    /** Served for handlers' SDK calls only: e-mails link to no dashboard on this port. */
    apisOnly?: boolean
  }
  /**
   * Keep the metric store (1-second and 1-minute series, alarms' input, charts). On by default;
   * off only to measure what it costs (`tributary dev --no-monitor`): alarms then see no data.
   */
  monitor?: boolean
  /**
   * The resource kinds to build (default: the list in kinds.ts). The definition must have been
   * validated with the same list.
   */
  kinds?: readonly AnyKind[]
  /** Extra HTTP routes on the served port (the dashboard), built once the runtime exists. */
  routes?: (runtime: PipelineRuntime) => { routes: WebRoute[]; close(): void | Promise<void> }
}

/** What one version of the pipeline definition built (rebuilt when it changes). */
interface Built {
  pipeline: Pipeline
  /** Each kind's part, in build order (stopped in reverse). */
  parts: Map<AnyKind, object & Part>
  /** What the runtime and the kinds offered each other, by token id. */
  offered: Map<string, unknown>
}

/**
 * Runs a pipeline on one machine: the stream engine (and optionally the Kinesis API), the
 * functions in a worker pool, every Kinesis and SQS mapping, queues, topics, tables and schedules,
 * all publishing their metrics to one sink.
 */
export class PipelineRuntime {
  readonly engine: StreamEngine
  readonly server: TributaryServer | undefined
  readonly metrics: MetricTotals
  /** Every datapoint at 1-second resolution, 1-minute history in the state store (alarms, charts). */
  readonly metricStore: MetricStore
  /** Which bindings each function has used (the dashboard's observed edges); kept across reloads. */
  readonly bindingUse: BindingUsage
  /** The functions' logs (CloudWatch Logs: `/aws/lambda/<function>`), kept across reloads. */
  readonly logs: LogStore
  /** "Max Memory Used" of the REPORT lines. */
  readonly #memory = new MemorySample()
  #exporter: PrometheusExporter | undefined
  #extraRoutes: { routes: WebRoute[]; close(): void | Promise<void> } | undefined
  /** `/_tributary/faults`: the faults injected into the engine (`tributary fault`, the dashboard). */
  readonly #faults: WebRoute = faultRoute(() => this.engine.faults)
  /** Ids of the faults the definition declared (replaced when it changes). */
  #configFaults: string[] = []
  readonly #options: PipelineRuntimeOptions
  readonly #logger: Logger
  /**
   * Encodes lake files off the event loop; shared by every build of the pipeline. At least two
   * workers even on two cores: delivery keeps two buffers in flight, and compression is what
   * bounds its throughput while the main thread mostly waits on I/O.
   */
  readonly #encoder = new EncoderPool({ size: Math.max(2, Math.min(4, availableParallelism() - 1)) })
  #built: Built | undefined

  private constructor(
    options: PipelineRuntimeOptions,
    engine: StreamEngine,
    server: TributaryServer | undefined,
    metrics: MetricTotals,
  ) {
    this.#options = options
    this.metrics = metrics
    this.engine = engine
    this.server = server
    this.#logger = options.logger ?? silentLogger
    this.metricStore = new MetricStore({ state: engine.state, clock: engine.clock, logger: this.#logger })
    this.logs = new LogStore({ store: engine.state, clock: engine.clock })
    this.bindingUse = new BindingUsage({
      now: () => engine.clock.now(),
      onUndeclared: (message) => this.#logger.warn(message),
    })
    if (options.monitor !== false) {
      this.metrics.subscribe((d) => this.metricStore.record(d))
      this.metricStore.start()
    }
  }

  /** `/metrics` (Prometheus) and whatever `routes` adds, on the served port. */
  async #route(req: Parameters<WebRoute>[0], res: Parameters<WebRoute>[1]): Promise<boolean> {
    if (await this.#faults(req, res)) return true
    const path = req.url?.split('?')[0]
    if (req.method === 'GET' && path === '/ready') {
      // Ready once the pipeline is built and every stream it declares is ACTIVE.
      const waiting = Object.keys(this.#built?.pipeline.streams ?? {}).filter(
        (n) => !this.engine.streams().some((s) => s.state.name === n && s.state.status === 'ACTIVE'),
      )
      const ready = this.#built !== undefined && waiting.length === 0
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(ready ? { status: 'ready' } : { status: 'starting', waiting }))
      return true
    }
    if (req.method === 'GET' && path === '/metrics') {
      this.#exporter ??= new PrometheusExporter(this.metricStore)
      const { contentType, body } = await this.#exporter.render()
      res.writeHead(200, { 'content-type': contentType })
      res.end(body)
      return true
    }
    for (const route of this.#extraRoutes?.routes ?? []) if (await route(req, res)) return true
    return false
  }

  /** A handler's log line: printed by the caller, and CloudWatch EMF metrics taken from it. */
  #onLog(log: FunctionLog): void {
    // In the worker's own stream (one per execution environment), as Lambda's Node.js runtime writes it.
    this.logs.append(
      functionLogGroup(log.functionName),
      log.logStreamName ?? functionLogStream(log.timestamp),
      log.timestamp,
      log.raw ? log.message : consoleLine(log),
    )
    if (log.message.startsWith('{') && log.message.includes('"_aws"'))
      for (const datum of parseEmf(log.message)) this.metrics.record(datum)
    this.#options.onLog?.(log)
  }

  /** Lambda's START line, and END and REPORT (after the invocation's own lines). */
  #onInvocation(e: InvocationEvent): void {
    const group = functionLogGroup(e.functionName)
    if (e.phase === 'start') {
      this.logs.append(group, e.logStreamName, e.timestamp, startLine(e.requestId))
      return
    }
    if (e.outcome === 'crash' && e.errorMessage !== undefined)
      this.logs.append(group, e.logStreamName, e.timestamp, exitErrorLine(e.requestId, e.errorMessage))
    this.logs.append(group, e.logStreamName, e.timestamp, endLine(e.requestId))
    const report = reportLine({
      requestId: e.requestId,
      durationMs: e.durationMs,
      memorySizeMb: e.memorySizeMb,
      maxMemoryUsedMb: e.maxMemoryUsedMb ?? this.#memory.mb(),
      initDurationMs: e.initDurationMs,
      status: e.outcome,
    })
    this.logs.append(group, e.logStreamName, e.timestamp, report)
  }

  static async start(options: PipelineRuntimeOptions): Promise<PipelineRuntime> {
    const metrics = new MetricTotals()
    const engine = await StreamEngine.open({ ...options, logger: options.logger, metrics })
    let server: TributaryServer | undefined
    let runtime: PipelineRuntime | undefined
    // The Firehose API and the pipeline's APIs reach whichever build of the pipeline is current.
    const firehose = forwardDeliveries(() => runtime?.offered(DeliveriesToken))
    const pipeline = forwardServices(() => runtime)
    try {
      const routes: WebRoute = (req, res) => (runtime ? runtime.#route(req, res) : false)
      if (options.serve)
        server = await TributaryServer.start({
          engine,
          ...options.serve,
          firehose,
          pipeline,
          routes: [routes],
          logger: options.logger,
        })
      runtime = new PipelineRuntime(options, engine, server, metrics)
      await runtime.#build(options.pipeline)
      runtime.#extraRoutes = options.routes?.(runtime)
      return runtime
    } catch (error) {
      await server?.close()
      if (runtime) await runtime.#encoder.close()
      await engine.close()
      throw error
    }
  }

  get pipeline(): Pipeline {
    return this.#built!.pipeline
  }

  /** The resource kinds this runtime builds. */
  get kinds(): readonly AnyKind[] {
    return this.#options.kinds ?? KINDS
  }

  /** What a kind or the runtime offered under `token` in the current build (undefined: none). */
  offered<T>(token: Token<T>): T | undefined {
    return this.#built?.offered.get(token.id) as T | undefined
  }

  #need<T>(token: Token<T>): T {
    const value = this.offered(token)
    if (value === undefined) throw new Error(`the pipeline is not built (no ${token.id})`)
    return value
  }

  /** A kind's part of the current build (undefined before it is built or when it builds none). */
  part<K extends AnyKind>(kind: K): PartOf<K> | undefined {
    return this.#built?.parts.get(kind) as PartOf<K> | undefined
  }

  /** Every kind's lines of the `dev` summary, in the list's order. */
  summary(view: SummaryView): SummaryBlock[] {
    return this.kinds.flatMap((kind) => {
      const part = this.#built?.parts.get(kind)
      return part && kind.summary ? kind.summary(part, view) : []
    })
  }

  get pool(): FunctionPool {
    return this.#need(PoolToken)
  }

  get queues(): QueueService {
    return this.#need(QueuesToken)
  }

  get topics(): TopicService {
    return this.#need(TopicsToken)
  }

  get kinesisMappings(): readonly KinesisMapping[] {
    return this.part(kinesisMappingKind)?.mappings ?? []
  }

  get sqsMappings(): readonly SqsMapping[] {
    return this.part(sqsMappingKind)?.mappings ?? []
  }

  get scheduler(): Scheduler {
    return this.part(scheduleKind)!.scheduler
  }

  get buckets(): BucketStore {
    return this.#need(BucketStoreToken)
  }

  get alarms(): AlarmEvaluator {
    return this.#need(AlarmsToken)
  }

  get deliveries(): DeliveryStreams {
    return this.#need(DeliveriesToken)
  }

  /** What the runtime itself offers every build: the engine, the metric sinks, the shared pools. */
  #hostOffers(): Map<string, unknown> {
    const { engine, metrics } = this
    const offered = new Map<string, unknown>()
    const offer = <T>(token: Token<T>, value: T) => offered.set(token.id, value)
    offer(EngineToken, engine)
    offer(FaultsToken, engine.faults)
    offer(StateStoreToken, engine.state)
    offer(MetricsToken, metrics)
    offer(MetricStoreToken, this.metricStore)
    offer(EncoderToken, this.#encoder)
    offer(SyncToken, this.#options.sync)
    offer(BindingUseToken, this.bindingUse)
    offer(FunctionLogsToken, (log: FunctionLog) => this.#onLog(log))
    offer(InvocationsToken, (event: InvocationEvent) => this.#onInvocation(event))
    offer(DashboardUrlToken, this.server && !this.#options.serve?.apisOnly ? `${this.server.url}` : undefined)
    offer(ServedEndpointToken, this.server ? `${this.server.url}` : undefined)
    return offered
  }

  /**
   * Builds every kind in `dependsOn` order, then starts each part. A build that fails stops what
   * was built before it.
   */
  async #build(loaded: LoadedPipeline): Promise<void> {
    const { pipeline } = loaded
    const offered = this.#hostOffers()
    const bindings = new Map<string, BindingHandler>([
      ['metrics', createMetricBindings(this.metrics, this.engine.clock)],
    ])
    const need = <T>(token: Token<T>): T => {
      if (!offered.has(token.id))
        throw new Error(`nothing offers '${token.id}' yet (check the kinds' dependsOn)`)
      return offered.get(token.id) as T
    }
    const ctx: BuildContext = {
      clock: this.engine.clock,
      logger: this.#logger,
      region: this.engine.region,
      account: this.engine.account,
      dataDir: this.engine.dataDir,
      dir: loaded.dir,
      pipeline,
      need,
      later: (token) => () => need(token),
      offer: (token, value) => {
        offered.set(token.id, value)
      },
      serveBinding: (service, handler) => {
        bindings.set(service, handler)
      },
      bindings,
    }
    const built: Built = { pipeline, parts: new Map(), offered }
    try {
      for (const kind of buildOrder(this.kinds)) {
        const resources = resourcesOf(pipeline, kind, this.kinds).map(({ name, config }) => ({
          name,
          config,
        }))
        built.parts.set(kind, (await kind.build?.(ctx, resources)) ?? {})
      }
      for (const part of built.parts.values()) await part.start?.()
    } catch (error) {
      await stopParts(built)
      throw error
    }
    this.#built = built
    this.#applyFaults(pipeline.faults)
  }

  /** The definition's faults replace those of its previous version (faults added at run time stay). */
  #applyFaults(faults: Pipeline['faults']): void {
    for (const id of this.#configFaults) this.engine.faults.clear(id)
    this.#configFaults = faults.map((f) => this.engine.faults.add(f).id)
  }

  /** Stops everything built from the pipeline definition (the engine and server keep running). */
  async #teardown(): Promise<void> {
    const built = this.#built
    if (!built) return
    this.#built = undefined
    await stopParts(built)
  }

  /** Resolves once every stream the pipeline declares is ACTIVE (they start out CREATING). */
  async ready(): Promise<void> {
    const names = Object.keys(this.#built?.pipeline.streams ?? {})
    const active = () =>
      names.every((n) => this.engine.streams().some((s) => s.state.name === n && s.state.status === 'ACTIVE'))
    if (active()) return
    await new Promise<void>((resolve) => {
      const off = this.engine.onStreamChange(() => {
        if (!active()) return
        off()
        resolve()
      })
    })
  }

  /**
   * Runs a schedule's target once now, as if the schedule had fired (a development convenience:
   * `tributary dev` does it at start so a pipeline fed by a schedule shows data at once).
   */
  async fireSchedule(name: string): Promise<void> {
    const schedule = this.#built?.pipeline.schedules[name]
    const asyncInvocations = this.offered(AsyncInvocationsToken)
    if (!schedule || !asyncInvocations) throw new Error(`no schedule named '${name}'`)
    const event =
      schedule.input !== undefined
        ? schedule.input
        : scheduledEvent(name, this.engine.clock.now(), this.engine.region, this.engine.account)
    asyncInvocations.enqueue(schedule.function, event)
  }

  /** A handler file changed: new invocations load the new code; in-flight ones finish on the old. */
  async reloadFunction(name: string): Promise<void> {
    await this.offered(PoolToken)?.reload(name)
  }

  /**
   * The pipeline definition changed: stop what was built from the old one (checkpoints stay) and
   * build from the new one. Streams are never deleted by a definition change.
   */
  async reconfigure(loaded: LoadedPipeline): Promise<void> {
    await this.#teardown()
    await this.#build(loaded)
  }

  /** Stops triggers, lets in-flight invocations finish, then closes the server and the engine. */
  async close(): Promise<void> {
    await this.#teardown()
    await this.#extraRoutes?.close()
    await this.server?.close()
    await this.#encoder.close()
    this.logs.close()
    this.metricStore.stop()
    await this.engine.close()
  }
}

/** A DeliveryService that forwards to the current build's delivery streams (none: no streams). */
function forwardDeliveries(current: () => DeliveryService | undefined): DeliveryService {
  const need = () => {
    const d = current()
    if (!d) throw new Error('the pipeline is being rebuilt; try again')
    return d
  }
  return {
    has: (name) => current()?.has(name) ?? false,
    names: () => current()?.names() ?? [],
    describe: (name) => current()?.describe(name),
    create: (name, config) => need().create(name, config),
    delete: (name) => need().delete(name),
    put: (name, records) => need().put(name, records),
  }
}

/** Stops a build's parts in reverse build order (each kind before the kinds it depends on). */
async function stopParts(built: Built): Promise<void> {
  for (const part of [...built.parts.values()].reverse()) await part.stop?.()
}

/** The pipeline's services as the current build has them (none while it is rebuilt). */
function forwardServices(current: () => PipelineRuntime | undefined): PipelineServices {
  const need = <T>(token: Token<T>): T => {
    const value = current()?.offered(token)
    if (value === undefined) throw new PipelineRebuildingError()
    return value
  }
  return {
    queues: () => need(QueuesToken),
    topics: () => need(TopicsToken),
    tables: () => need(TablesToken),
    tableRegistry: () => need(TableRegistryToken),
    buckets: () => need(BucketStoreToken),
    bucketRegistry: () => need(BucketRegistryToken),
    metrics: () => need(MetricsToken),
    metricStore: () => need(MetricStoreToken),
    alarms: () => need(AlarmsToken),
    searchIndexes: () => need(SearchIndexesToken),
    logs: () => {
      const runtime = current()
      if (!runtime) throw new PipelineRebuildingError()
      return runtime.logs
    },
  }
}
