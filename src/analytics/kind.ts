import { EngineToken } from '../engine/tokens.ts'
import { ConfigProblem, defineKind, type Reference } from '../kind/kind.ts'
import { BucketStoreToken } from '../lake/tokens.ts'
import { MetricsToken } from '../monitor/tokens.ts'
import { SearchIndexesToken } from '../search/tokens.ts'
import { QueuesToken, TablesToken, TopicsToken } from '../services/tokens.ts'
import { analyticsSchema, isSqlFile, sqlText } from './config.ts'
import type { AnalyticsJob } from './job.ts'
import { timestampMismatch } from './search-sink.ts'
import type { Connector } from './sql/catalog.ts'
import { SqlError } from './sql/lexer.ts'
import { analyzeProgram, compileProgram } from './sql/program.ts'
import { loopbackHosts } from './sql/search-connector.ts'
import { AnalyticsJobsToken } from './tokens.ts'

/** Streaming SQL (Managed Service for Apache Flink): continuous Flink SQL queries over streams. */
export const analyticsKind = defineKind({
  kind: 'analytics',
  section: 'analytics',
  noun: ['analytics query set', 'analytics query sets'],
  title: 'Streaming SQL (Managed Flink)',
  layout: 'named',
  schema: analyticsSchema,
  synth: async () => (await import('./synth.ts')).analyticsSynth,
  references: (a) => {
    const refs: Reference[] = []
    if (a.lateRecords && 'queue' in a.lateRecords)
      refs.push({
        path: ['lateRecords', 'queue'],
        kind: 'queue',
        name: a.lateRecords.queue,
        label: 'late records',
      })
    if (a.lateRecords && 'bucket' in a.lateRecords)
      refs.push({
        path: ['lateRecords', 'bucket'],
        kind: 'bucket',
        name: a.lateRecords.bucket,
        label: 'late records',
      })
    // A `.sql` file is read by `check` and the build; inline SQL names its resources here.
    if (isSqlFile(a.sql)) return refs
    try {
      const program = analyzeProgram(a.sql)
      const sources = new Set(program.queries.map((q) => q.source.name))
      const dims = new Set(program.queries.flatMap((q) => (q.join ? [q.join.table.name] : [])))
      for (const table of program.tables.values()) {
        const used = sources.has(table.name) || dims.has(table.name)
        const inbound = used
        if (!used && !program.queries.some((q) => q.sink?.name === table.name)) continue
        const ref = connectorRef(table.connector, inbound)
        if (ref) refs.push(ref)
      }
    } catch {
      // `check` reports the SQL's problem with its line and column.
    }
    return dedupe(refs)
  },
  check: (_name, a, env) => {
    let sql: string
    try {
      sql = sqlText(a, env.dir)
    } catch (error) {
      throw new ConfigProblem(`cannot read ${a.sql}: ${(error as Error).message}`, ['sql'])
    }
    try {
      analyzeProgram(sql)
    } catch (error) {
      if (error instanceof SqlError) throw new ConfigProblem(error.describe(), ['sql'], error.hint)
      throw error
    }
  },
  dependsOn: ['stream', 'table', 'bucket', 'topic', 'queue', 'index'],
  async build(ctx, resources) {
    const jobs: { name: string; job: AnalyticsJob }[] = []
    ctx.offer(AnalyticsJobsToken, new Map())
    if (resources.length === 0) return { jobs }
    const { AnalyticsJob } = await import('./job.ts')
    const { join } = await import('node:path')
    const { mkdirSync } = await import('node:fs')
    const stateDir = join(ctx.dataDir, 'analytics')
    mkdirSync(stateDir, { recursive: true })
    for (const { name, config } of resources) {
      const sql = sqlText(config, ctx.dir)
      let program: Awaited<ReturnType<typeof compileProgram>>
      try {
        program = await compileProgram(sql)
      } catch (error) {
        if (error instanceof SqlError)
          throw new Error(`analytics.${name}.sql: ${error.describe()}${error.hint ? ` (${error.hint})` : ''}`)
        throw error
      }
      checkDeclared(name, program, ctx.pipeline)
      const indexes = (ctx.pipeline.searchIndexes ?? {}) as Parameters<typeof timestampMismatch>[1]
      const mismatch = timestampMismatch(program, indexes)
      if (mismatch) throw new Error(`analytics.${name}.sql: ${mismatch.message} (${mismatch.hint})`)
      for (const t of program.tables.values())
        if (t.connector.kind === 'index' && !loopbackHosts(t.connector.hosts))
          ctx.logger.warn(
            `analytics ${name}: table '${t.name}' names hosts '${t.connector.hosts}'; locally its rows go to this pipeline's search index '${t.connector.index}'`,
          )
      const late = config.lateRecords
      jobs.push({
        name,
        job: new AnalyticsJob({
          name,
          sql,
          program,
          stateDir,
          engine: ctx.need(EngineToken),
          clock: ctx.clock,
          sinks: {
            engine: ctx.need(EngineToken),
            tables: ctx.need(TablesToken),
            buckets: ctx.need(BucketStoreToken),
            topics: ctx.need(TopicsToken),
            queues: ctx.need(QueuesToken),
            indexes: ctx.need(SearchIndexesToken),
            print: (line) => ctx.logger.info(`analytics ${name}: ${line}`),
          },
          late:
            late && 'queue' in late
              ? { queue: late.queue }
              : late
                ? { bucket: late.bucket, prefix: late.prefix }
                : undefined,
          metrics: ctx.need(MetricsToken),
          logger: ctx.logger,
          idleTimeoutMs: config.idleTimeoutMs,
          maxRecords: config.maxBatchRecords,
        }),
      })
    }
    ctx.offer(AnalyticsJobsToken, new Map(jobs.map(({ name, job }) => [name, job])))
    return {
      jobs,
      start: async () => {
        for (const { job } of jobs) await job.start()
      },
      stop: async () => {
        for (const { job } of jobs) await job.stop()
      },
    }
  },
  summary: ({ jobs }, view) =>
    jobs.length === 0
      ? []
      : [
          {
            table: 'analytics',
            header: ['analytics', 'records in', '/s', 'rows out', 'late', 'invalid'],
            rows: jobs.map(({ name, job }) => [
              name,
              view.count(job.totals.recordsIn),
              view.rate(`analytics ${name}`, job.totals.recordsIn),
              view.count(job.totals.recordsOut),
              view.count(job.totals.late),
              view.count(job.totals.invalid),
            ]),
          },
        ],
})

function connectorRef(c: Connector, inbound: boolean): Reference | undefined {
  const path = ['sql']
  switch (c.kind) {
    case 'stream':
      return { path, kind: 'stream', name: c.stream, label: inbound ? 'source' : 'writes', inbound }
    case 'table':
      return { path, kind: 'table', name: c.table, label: inbound ? 'lookup' : 'upserts', inbound }
    case 'bucket':
      return { path, kind: 'bucket', name: c.bucket, label: 'writes' }
    case 'topic':
      return { path, kind: 'topic', name: c.topic, label: 'publishes' }
    case 'index':
      return { path, kind: 'index', name: c.index, label: 'indexes' }
    default:
      return undefined
  }
}

function dedupe(refs: Reference[]): Reference[] {
  const seen = new Set<string>()
  return refs.filter((r) => {
    const key = `${r.kind}:${r.name}:${r.label}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** A `.sql` file's resources are checked here (inline SQL's by the references). */
function checkDeclared(
  name: string,
  program: Awaited<ReturnType<typeof compileProgram>>,
  pipeline: Readonly<Record<string, unknown>>,
): void {
  const sections: Record<string, string> = {
    stream: 'streams',
    table: 'tables',
    bucket: 'buckets',
    topic: 'topics',
    index: 'searchIndexes',
  }
  for (const table of program.tables.values()) {
    const ref = connectorRef(table.connector, false)
    if (!ref) continue
    const section = (pipeline[sections[ref.kind]!] ?? {}) as Record<string, unknown>
    if (!(ref.name in section)) {
      const known = Object.keys(section)
      const hint = known.length
        ? `declared ${sections[ref.kind]}: ${known.join(', ')}`
        : `declare it under ${sections[ref.kind]}`
      throw new Error(
        `analytics.${name}.sql: table '${table.name}' names ${ref.kind} '${ref.name}', which the pipeline does not declare (${hint})`,
      )
    }
  }
}
