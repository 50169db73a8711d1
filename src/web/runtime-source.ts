import { describeFault } from '../faults/injector.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import { type LakeQuery, openLakeQuery } from '../query/lake-query.ts'
import { liveDefinition } from './live-definition.ts'
import { runtimeAnalytics } from './runtime-analytics.ts'
import { runtimeLogs } from './runtime-logs.ts'
import { runtimeSearch } from './runtime-search.ts'
import { runtimeTables } from './runtime-tables.ts'
import type { DashboardAlarms, DashboardMetrics, DashboardSource } from './source.ts'
import { tailStream } from './tail.ts'

export interface RuntimeSourceOptions {
  /** The metric store (`MetricStore`): the runtime keeps only totals. */
  metrics: DashboardMetrics
  /** The alarm evaluator (`listAlarms`, `history`), when alarms are configured. */
  alarms?:
    | { listAlarms(): ReturnType<DashboardAlarms['list']>; history: DashboardAlarms['history'] }
    | undefined
}

export interface RuntimeDashboardSource extends DashboardSource {
  /** Closes the lake query engine, if the SQL box opened one. */
  close(): Promise<void>
}

/**
 * The dashboard's view of a running pipeline. Reads go to the runtime's current build on every
 * call, so a reloaded pipeline shows up without rewiring; the DuckDB connection behind the SQL box
 * is opened on first use and reopened when the catalog changes.
 *
 * @example
 * const source = dashboardSourceFromRuntime(runtime, { metrics: store, alarms: evaluator })
 * const dashboard = createDashboardRoutes(source)
 */
export function dashboardSourceFromRuntime(
  runtime: PipelineRuntime,
  options: RuntimeSourceOptions,
): RuntimeDashboardSource {
  let lake: { catalog: string; query: Promise<LakeQuery> } | undefined
  const lakeQuery = async () => {
    const catalog = runtime.pipeline.catalog
    const key = JSON.stringify(catalog)
    if (lake?.catalog !== key) {
      const previous = lake
      // The browser is as local as the CLI, but SQL typed into a page should not re-enable
      // remote extension downloads: lock DuckDB's configuration.
      lake = {
        catalog: key,
        query: openLakeQuery({ dataDir: runtime.engine.dataDir, catalog, lockConfiguration: true }),
      }
      if (previous) void previous.query.then((q) => q.close()).catch(() => undefined)
    }
    return lake.query
  }
  const alarms = options.alarms
  return {
    // The definition and what the AWS APIs created since: drawn and listed like declared ones.
    pipeline: () => liveDefinition(runtime),
    metrics: options.metrics,
    alarms: alarms && {
      list: () => alarms.listAlarms(),
      history: (name, limit) => alarms.history(name, limit),
    },
    queues: {
      list: () => runtime.queues.list(),
      peek: (queue, o) => runtime.queues.peek(queue, o),
      redrive: (dlq, o) => runtime.queues.redrive(dlq, o),
    },
    streams: () => runtime.engine.streams().map((s) => s.state.name),
    tail: (stream, listener) => tailStream(runtime.engine, stream, listener),
    lake: {
      buckets: () => {
        const p = runtime.pipeline
        const names = new Set(Object.keys(p.buckets))
        for (const d of Object.values(p.deliveries)) names.add(d.bucket)
        for (const t of Object.values(p.catalog)) names.add(t.bucket)
        return [...names].sort()
      },
      listObjects: (bucket, o) => runtime.buckets.listObjects(bucket, o),
      getObject: (bucket, key) => runtime.buckets.getObject(bucket, key),
    },
    query: async (sql, o) => (await lakeQuery()).query(sql, undefined, o),
    tables: runtimeTables(runtime),
    search: runtimeSearch(runtime),
    analytics: runtimeAnalytics(runtime),
    bindingUse: () => runtime.bindingUse.list(),
    logs: runtimeLogs(runtime.logs, () => Object.keys(runtime.pipeline.functions)),
    faults: () =>
      runtime.engine.faults.list().map((f) => ({
        id: f.id,
        text: describeFault(f),
        ...(f.expiresAt !== undefined && { expiresAt: f.expiresAt }),
      })),
    close: async () => {
      const open = lake
      lake = undefined
      if (open) await (await open.query).close()
    },
  }
}
