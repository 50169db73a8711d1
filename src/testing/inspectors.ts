import { resolve } from 'node:path'
import type { AlarmHistoryItem, AlarmStatus } from '../monitor/alarms/alarm-store.ts'
import { Lambda } from '../monitor/catalog/lambda.ts'
import type { Datapoint, MetricQuery } from '../monitor/metric-store.ts'
import { defaultOutboxPath, type OutboxEntry, readOutbox } from '../monitor/notify/outbox-channel.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { PeekedMessage, QueueDepth } from '../services/queues/types.ts'
import { openTables, type TableService } from '../services/tables/index.ts'

/** The default namespace of `metric()`: most metrics a pipeline's tests read are Lambda's. */
const LAMBDA = Lambda.Invocations.namespace

/** A queue as a test reads it: without receiving (nothing becomes invisible, nothing is counted). */
export interface QueueView {
  /** Visible, in flight, delayed, and the oldest message's age (SQS's Approximate* attributes). */
  depth(): QueueDepth
  /** Every message, in send order, with its state and receive count. */
  messages(): PeekedMessage[]
  /** Every message body parsed as JSON, in send order. */
  json<T = unknown>(): T[]
}

/** The lifetime totals of one metric series in this process. */
export type MetricTotalsOf = ReturnType<PipelineRuntime['metrics']['get']>

/**
 * The read side of a {@link TestPipeline}: tables, queues, the outbox, alarms and metrics, read
 * through the same services the pipeline uses (no second copy of their state).
 */
export class Inspectors {
  readonly #runtime: PipelineRuntime
  readonly #dataDir: string
  readonly #tables = new Map<string, TableService>()

  constructor(runtime: PipelineRuntime, dataDir: string) {
    this.#runtime = runtime
    this.#dataDir = dataDir
  }

  /**
   * A table the pipeline declares, with DynamoDB's operations (`get`, `query`, `scan`, `count`,
   * and `put`/`update`/`delete` to seed it).
   *
   * @example
   * expect(p.table('metadata').get({ object_key: 'orders/1.json' })).toMatchObject({ status: 'done' })
   * expect(p.table('readings').query({ partitionKey: 'd-1' }).items).toHaveLength(3)
   */
  table(name: string): TableService {
    let table = this.#tables.get(name)
    if (!table) {
      const def = this.#runtime.pipeline.tables[name]
      if (!def) throw new Error(`the pipeline declares no table '${name}'`)
      table = openTables(this.#runtime.engine.state, {
        [name]: { partitionKey: def.partitionKey, sortKey: def.sortKey },
      }).get(name)!
      this.#tables.set(name, table)
    }
    return table
  }

  /**
   * A queue, read without receiving its messages.
   *
   * @example
   * expect(p.queue('dlq').depth().visible).toBe(1)
   * const [failure] = p.queue('failures').json<{ requestContext: { condition: string } }>()
   */
  queue(name: string): QueueView {
    const queues = () => this.#runtime.queues
    const messages = () => {
      const all: PeekedMessage[] = []
      let after: string | undefined
      do {
        const page = queues().peek(name, { limit: 1000, after })
        all.push(...page.messages)
        after = page.next
      } while (after !== undefined)
      return all
    }
    return {
      depth: () => queues().depth(name),
      messages,
      json: <T>() => messages().map((m) => JSON.parse(m.body) as T),
    }
  }

  /**
   * Every notification written to the outbox (`{ outbox: true }` subscriptions, and e-mail while no
   * SMTP server is configured), oldest first; `file` for a subscription with its own path.
   *
   * @example
   * const alarms = (await p.outbox()).map((e) => e.alarm?.name)
   */
  async outbox(file?: string): Promise<OutboxEntry[]> {
    return readOutbox(file === undefined ? defaultOutboxPath(this.#dataDir) : resolve(this.#dataDir, file))
  }

  /**
   * Every alarm's state, reason and last change.
   *
   * @example
   * expect(p.alarms().find((a) => a.name === 'errors')?.state).toBe('ALARM')
   */
  alarms(): AlarmStatus[] {
    return this.#runtime.alarms.listAlarms()
  }

  /**
   * An alarm's history, newest first: state changes with CloudWatch's reasons, configuration updates.
   *
   * @example
   * const alarmed = p.alarmHistory('errors').find((h) => h.newState === 'ALARM')
   */
  alarmHistory(name: string): AlarmHistoryItem[] {
    return this.#runtime.alarms.history(name)
  }

  /**
   * The totals (sum, count, max, last) of one metric series since the pipeline started. The
   * namespace defaults to `AWS/Lambda`.
   *
   * @example
   * expect(p.metric('Invocations', { FunctionName: 'process-events' }).sum).toBe(1)
   * p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum
   */
  metric(name: string, dimensions: Record<string, string>, namespace: string = LAMBDA): MetricTotalsOf {
    return this.#runtime.metrics.get(namespace, name, dimensions)
  }

  /**
   * A metric's datapoints per period, as GetMetricStatistics answers (what alarms evaluate).
   *
   * @example
   * const perMinute = p.datapoints({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'f' },
   *   stat: 'Sum', period: 60, start: t0, end: p.clock.now() })
   */
  datapoints(query: MetricQuery): Datapoint[] {
    return this.#runtime.metricStore.query(query)
  }

  /** The directory a bucket's objects are in (for tools that read files, e.g. DuckDB). */
  bucketDir(bucket: string): string {
    return this.#runtime.buckets.bucketDir(bucket)
  }
}
