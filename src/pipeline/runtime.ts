import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { ServerOptions, WebRoute } from '../api/server.ts'
import { TributaryServer } from '../api/server.ts'
import { EncoderPool } from '../delivery/encoders/index.ts'
import { DeliveryRuntime } from '../delivery/runtime/delivery-runtime.ts'
import type { DeliveryService } from '../delivery/types.ts'
import { type EngineOptions, StreamEngine } from '../engine/engine.ts'
import { asyncFailureHandler } from '../functions/async/async-failures.ts'
import { AsyncInvocations } from '../functions/async/index.ts'
import { BindingUsage } from '../functions/binding-usage.ts'
import { BindingRouter, streamBindings } from '../functions/bindings-host.ts'
import { CheckpointStore } from '../functions/kinesis/checkpoints.ts'
import { KinesisMapping } from '../functions/kinesis/mapping.ts'
import { MeteredInvoker } from '../functions/metered-invoker.ts'
import { SqsMapping } from '../functions/sqs/index.ts'
import type { FunctionLog, FunctionSpec } from '../functions/types.ts'
import { FunctionPool } from '../functions/workers/index.ts'
import { BucketNotifications, BucketStore, createBucketBindings } from '../lake/buckets/index.ts'
import { parseEmf } from '../monitor/emf.ts'
import { AlarmEvaluator, alarmDefinitions, alarmMessage } from '../monitor/index.ts'
import { createMetricBindings } from '../monitor/metric-bindings.ts'
import { MetricStore } from '../monitor/metric-store.ts'
import { MetricTotals } from '../monitor/metrics.ts'
import { createNotificationProtocols, type NotificationProtocols } from '../monitor/notify/index.ts'
import { PrometheusExporter } from '../monitor/prometheus.ts'
import { fromPipelineQueue, QueueService, startQueueDepthMetrics } from '../services/queues/index.ts'
import { Scheduler, scheduledEvent } from '../services/schedules/index.ts'
import { createTableBindings, openTables } from '../services/tables/index.ts'
import { createQueueTopicBindings, queueTopicDestinations, TopicService } from '../services/topics/index.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { LoadedPipeline } from './load.ts'
import { isKinesisMapping, type Pipeline } from './schema.ts'

export interface PipelineRuntimeOptions extends Omit<EngineOptions, 'logger'> {
  pipeline: LoadedPipeline
  logger?: Logger
  /** Every line a handler logs. */
  onLog?: (log: FunctionLog) => void
  /** Serve the Kinesis API too (what `tributary dev` does). */
  serve?: Pick<ServerOptions, 'host' | 'port' | 'allowedHosts' | 'corsOrigins'>
  /**
   * Keep the metric store (1-second and 1-minute series, alarms' input, charts). On by default;
   * off only to measure what it costs (`tributary dev --no-monitor`): alarms then see no data.
   */
  monitor?: boolean
  /** Extra HTTP routes on the served port (the dashboard), built once the runtime exists. */
  routes?: (runtime: PipelineRuntime) => { routes: WebRoute[]; close(): void | Promise<void> }
}

/** The parts built from one version of the pipeline definition (rebuilt when it changes). */
interface Parts {
  pipeline: Pipeline
  functions: FunctionSpec[]
  pool: FunctionPool
  queues: QueueService
  asyncInvocations: AsyncInvocations
  topics: TopicService
  kinesis: KinesisMapping[]
  sqs: SqsMapping[]
  scheduler: Scheduler
  stopDepthMetrics: () => void
  buckets: BucketStore
  detachNotifications: () => void
  deliveries: DeliveryRuntime
  alarms: AlarmEvaluator
  notify: NotificationProtocols
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
  #exporter: PrometheusExporter | undefined
  #extraRoutes: { routes: WebRoute[]; close(): void | Promise<void> } | undefined
  readonly #options: PipelineRuntimeOptions
  readonly #checkpoints: CheckpointStore
  readonly #logger: Logger
  /**
   * Encodes lake files off the event loop; shared by every build of the pipeline. At least two
   * workers even on two cores: delivery keeps two buffers in flight, and compression is what
   * bounds its throughput while the main thread mostly waits on I/O.
   */
  readonly #encoder = new EncoderPool({ size: Math.max(2, Math.min(4, availableParallelism() - 1)) })
  #parts: Parts | undefined

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
    this.#checkpoints = new CheckpointStore(engine.state)
    this.metricStore = new MetricStore({ state: engine.state, clock: engine.clock, logger: this.#logger })
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
    const path = req.url?.split('?')[0]
    if (req.method === 'GET' && path === '/ready') {
      // Ready once the pipeline is built and every stream it declares is ACTIVE.
      const waiting = Object.keys(this.#parts?.pipeline.streams ?? {}).filter(
        (n) => !this.engine.streams().some((s) => s.state.name === n && s.state.status === 'ACTIVE'),
      )
      const ready = this.#parts !== undefined && waiting.length === 0
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
    if (log.message.startsWith('{') && log.message.includes('"_aws"'))
      for (const datum of parseEmf(log.message)) this.metrics.record(datum)
    this.#options.onLog?.(log)
  }

  static async start(options: PipelineRuntimeOptions): Promise<PipelineRuntime> {
    const metrics = new MetricTotals()
    const engine = await StreamEngine.open({ ...options, logger: options.logger, metrics })
    let server: TributaryServer | undefined
    let runtime: PipelineRuntime | undefined
    // The Firehose API reaches whichever build of the pipeline is current.
    const firehose = forwardDeliveries(() => (runtime ? runtime.#parts?.deliveries : undefined))
    try {
      const routes: WebRoute = (req, res) => (runtime ? runtime.#route(req, res) : false)
      if (options.serve)
        server = await TributaryServer.start({
          engine,
          ...options.serve,
          firehose,
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
    return this.#parts!.pipeline
  }

  get pool(): FunctionPool {
    return this.#parts!.pool
  }

  get queues(): QueueService {
    return this.#parts!.queues
  }

  get topics(): TopicService {
    return this.#parts!.topics
  }

  get kinesisMappings(): readonly KinesisMapping[] {
    return this.#parts?.kinesis ?? []
  }

  get sqsMappings(): readonly SqsMapping[] {
    return this.#parts?.sqs ?? []
  }

  get scheduler(): Scheduler {
    return this.#parts!.scheduler
  }

  get buckets(): BucketStore {
    return this.#parts!.buckets
  }

  get alarms(): AlarmEvaluator {
    return this.#parts!.alarms
  }

  get deliveries(): DeliveryRuntime {
    return this.#parts!.deliveries
  }

  /** Creates the declared streams that do not exist yet, and applies their retention. */
  #ensureStreams(pipeline: Pipeline): void {
    const existing = new Map(this.engine.streams().map((s) => [s.state.name, s]))
    for (const [name, config] of Object.entries(pipeline.streams)) {
      const stream = existing.get(name)
      if (!stream) {
        this.engine.createStream(name, { shardCount: config.shardCount, mode: config.mode })
        if (config.retentionHours !== 24)
          this.engine.updateSettings(name, { retentionHours: config.retentionHours })
      } else if (stream.state.retentionHours !== config.retentionHours) {
        this.engine.updateSettings(name, { retentionHours: config.retentionHours })
      }
    }
  }

  async #build(loaded: LoadedPipeline): Promise<void> {
    const { pipeline, functions } = loaded
    const { engine, metrics } = this
    const clock = engine.clock
    const logger = this.#logger
    this.#ensureStreams(pipeline)
    const tables = openTables(
      engine.state,
      Object.fromEntries(
        Object.entries(pipeline.tables).map(([n, t]) => [
          n,
          { partitionKey: t.partitionKey, sortKey: t.sortKey },
        ]),
      ),
    )
    const queues = new QueueService({
      store: engine.state,
      clock,
      metrics,
      region: engine.region,
      accountId: engine.account,
    })
    queues.declareAll(
      Object.fromEntries(Object.entries(pipeline.queues).map(([n, q]) => [n, fromPipelineQueue(q)])),
    )
    const buckets = await BucketStore.open({
      root: join(engine.dataDir, 'lake'),
      buckets: Object.keys(pipeline.buckets),
      clock,
      logger,
    })
    // Topics need the invoker and the invoker's bindings need topics: the router looks them up late.
    let queueTopic: ReturnType<typeof createQueueTopicBindings> | undefined
    const router = new BindingRouter(
      {
        stream: streamBindings(engine),
        table: createTableBindings(tables),
        bucket: createBucketBindings(buckets),
        metrics: createMetricBindings(metrics, clock),
        queue: (call) => queueTopic!.call(call),
        topic: (call) => queueTopic!.call(call),
      },
      (call) => this.bindingUse.record(call, pipeline),
    )
    const pool = new FunctionPool({
      functions,
      bindings: router,
      onLog: (log) => this.#onLog(log),
      region: engine.region,
      account: engine.account,
    })
    const invoker = new MeteredInvoker(pool, metrics, clock)
    let destinations: ReturnType<typeof queueTopicDestinations> | undefined
    const asyncInvocations = new AsyncInvocations({
      store: engine.state,
      invoker,
      clock,
      metrics,
      logger,
      config: (fn) => pipeline.functions[fn]?.asyncInvokeConfig,
      onDropped: asyncFailureHandler({
        functions: pipeline.functions,
        destinations: () => destinations!,
        region: engine.region,
        account: engine.account,
        now: () => clock.now(),
        logger,
      }),
    })
    const notify = createNotificationProtocols({
      dataDir: engine.dataDir,
      clock,
      logger,
      smtp: pipeline.notifications.smtp,
      dashboardUrl: this.server ? `${this.server.url}` : undefined,
    })
    const topics = new TopicService({
      protocols: notify.protocols,
      store: engine.state,
      queues,
      asyncInvocations,
      clock,
      metrics,
      logger,
      functionExists: (name) => functions.some((f) => f.name === name),
    })
    topics.declareAll(pipeline.topics)
    queueTopic = createQueueTopicBindings(queues, topics)
    destinations = queueTopicDestinations(queues, topics)
    const timeouts = new Map(functions.map((f) => [f.name, f.timeoutMs]))
    const kinesis: KinesisMapping[] = []
    const sqs: SqsMapping[] = []
    for (const m of pipeline.mappings) {
      if (isKinesisMapping(m)) {
        kinesis.push(
          new KinesisMapping(m, {
            engine,
            invoker,
            checkpoints: this.#checkpoints,
            destinations,
            metrics,
            logger,
          }),
        )
      } else {
        sqs.push(
          new SqsMapping(m, { queues, invoker, clock, logger, functionTimeoutMs: timeouts.get(m.function) }),
        )
      }
    }
    const scheduler = new Scheduler(
      Object.entries(pipeline.schedules).map(([name, s]) => ({
        name,
        expression: s.schedule,
        functionName: s.function,
        input: s.input,
        enabled: s.enabled,
      })),
      {
        clock,
        metrics,
        logger,
        region: engine.region,
        account: engine.account,
        enqueue: (fn, event) => asyncInvocations.enqueue(fn, event),
      },
    )
    const notifications = new BucketNotifications({
      buckets: pipeline.buckets,
      invokeAsync: (fn, event) => asyncInvocations.enqueue(fn, event),
      region: engine.region,
      accountId: engine.account,
      logger,
      state: engine.state,
    })
    const detachNotifications = notifications.attach(buckets)
    // Events of puts a crash interrupted after their objects appeared (at least once, as S3).
    const recovered = await notifications.recover(buckets)
    if (recovered > 0) logger.info(`sent ${recovered} S3 event(s) a crash had held back`)
    const deliveries = new DeliveryRuntime({
      engine,
      clock,
      writer: buckets,
      encoder: this.#encoder,
      invoker,
      metrics,
      logger,
      catalog: () => pipeline.catalog,
      sync: this.#options.sync,
      bucketExists: (b) => Object.hasOwn(pipeline.buckets, b),
    })
    await deliveries.start(pipeline.deliveries)
    const alarms = new AlarmEvaluator({
      metrics: this.metricStore,
      state: engine.state,
      clock,
      logger,
      alarms: alarmDefinitions(pipeline.alarms),
      onTransition: (t) => {
        const message = JSON.stringify(alarmMessage({ ...t, region: engine.region, account: engine.account }))
        for (const topic of t.actions) {
          try {
            // SNS caps a subject at 100 characters.
            const subject = `${t.to}: "${t.alarm.name}" in ${engine.region}`
            topics.publish(topic, message, {
              subject: subject.length > 100 ? `${subject.slice(0, 99)}…` : subject,
            })
          } catch (error) {
            logger.error(`alarm ${t.alarm.name}: publishing to ${topic} failed: ${(error as Error).message}`)
          }
        }
      },
    })
    alarms.start()
    asyncInvocations.start()
    for (const m of kinesis) m.start()
    for (const m of sqs) m.start()
    scheduler.start()
    const stopDepthMetrics = startQueueDepthMetrics(queues, metrics, clock, 10_000)
    this.#parts = {
      pipeline,
      functions,
      pool,
      queues,
      asyncInvocations,
      topics,
      kinesis,
      sqs,
      scheduler,
      stopDepthMetrics,
      buckets,
      detachNotifications,
      deliveries,
      alarms,
      notify,
    }
  }

  /** Stops everything built from the pipeline definition (the engine and server keep running). */
  async #teardown(): Promise<void> {
    const parts = this.#parts
    if (!parts) return
    this.#parts = undefined
    parts.alarms.stop()
    await parts.scheduler.stop()
    await Promise.all([
      ...parts.kinesis.map((m) => m.stop()),
      ...parts.sqs.map((m) => m.stop()),
      parts.deliveries.close(),
    ])
    parts.detachNotifications()
    await parts.notify.close()
    await parts.asyncInvocations.stop()
    parts.stopDepthMetrics()
    await parts.pool.close()
    parts.queues.close()
  }

  /** Resolves once every stream the pipeline declares is ACTIVE (they start out CREATING). */
  async ready(): Promise<void> {
    const names = Object.keys(this.#parts?.pipeline.streams ?? {})
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
    const parts = this.#parts
    const schedule = parts?.pipeline.schedules[name]
    if (!parts || !schedule) throw new Error(`no schedule named '${name}'`)
    const event =
      schedule.input !== undefined
        ? schedule.input
        : scheduledEvent(name, this.engine.clock.now(), this.engine.region, this.engine.account)
    await parts.asyncInvocations.enqueue(schedule.function, event)
  }

  /** A handler file changed: new invocations load the new code; in-flight ones finish on the old. */
  async reloadFunction(name: string): Promise<void> {
    await this.#parts?.pool.reload(name)
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
    this.metricStore.stop()
    await this.engine.close()
  }
}

/** A DeliveryService that forwards to the current build's delivery runtime (none: no streams). */
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
