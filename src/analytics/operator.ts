import { createHash } from 'node:crypto'
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api'
import { duckdbError } from '../query/lake-query.ts'
import { crashPoint } from '../util/crash-point.ts'
import { decodeSql, MACROS, planQuery, type QueryPlan } from './plan.ts'
import type { Program } from './sql/program.ts'
import { sinkValue } from './values.ts'

/** One user record of a batch: where it is in its shard, when it arrived, its text. */
export interface InputRecord {
  /** A number per shard (stable while the operator runs): orders records of a batch. */
  shard: number
  ordinal: number
  sub: number
  arrivalMs: number
  line: string
}

/** One micro-batch: records by source table, and what the reader commits with it. */
export interface Batch {
  /** Records by source table name. */
  records: Map<string, InputRecord[]>
  /** The processing time of the batch (the engine clock). */
  now: number
  /** New positions by shard key (`stream/shardId`): the ordinal read next, with the stream's incarnation. */
  positions: Map<string, { created: number; next: number }>
  /** The shard key of each `shard` number in the records. */
  shardKeys: Map<number, string>
  /** Per source table, the shards that count for its watermark (not idle). */
  activeShards: Map<string, string[]>
}

/** Output the batch produced, committed with it (the outbox): delivered to sinks after the commit. */
export interface Emission {
  seq: number
  query: number
  /** `rows`: query output (JSON objects in the sink's column order); `late`: late input lines. */
  kind: 'rows' | 'late'
  /** Stable name of the unit (a window's bounds, or the batch): lake file names come from it. */
  unit: string
  rows: string[]
}

export interface BatchOutcome {
  recordsIn: number
  late: Map<number, number>
  invalid: number
  emitted: number
  watermarks: Map<string, number>
}

/**
 * Runs an analytics resource's queries over micro-batches on DuckDB, durably: a batch's state
 * changes, source positions, watermarks and outputs are one DuckDB transaction (the database file
 * is the checkpoint). Outputs wait in an outbox table until the sinks have them, so a crash after
 * the commit delivers them again (sinks are idempotent) and a crash before it replays the batch
 * from the positions of the previous commit.
 */
export class AnalyticsOperator {
  readonly plans: QueryPlan[]
  readonly #program: Program
  readonly #instance: DuckDBInstance
  readonly #c: DuckDBConnection
  readonly #sources: string[]
  readonly #positions = new Map<string, { created: number; next: number }>()
  readonly #maxEt = new Map<string, number>()
  readonly #watermarks = new Map<string, number>()
  #seq = 0
  /** One statement sequence at a time on the connection (a batch, a reader's first position). */
  #queue: Promise<unknown> = Promise.resolve()
  /** The processing time of the last batch committed. */
  #lastNow = Number.NEGATIVE_INFINITY

  private constructor(program: Program, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#program = program
    this.#instance = instance
    this.#c = connection
    this.#sources = [...new Set(program.queries.map((q) => q.source.name))]
    const dims = new Set(program.queries.flatMap((q) => (q.join ? [q.join.table.name] : [])))
    this.plans = program.queries.map((q, i) =>
      planQuery(
        q,
        i,
        `src_${this.#sources.indexOf(q.source.name)}`,
        q.join ? `dim_${[...dims].indexOf(q.join.table.name)}` : undefined,
      ),
    )
  }

  /**
   * Opens (or creates) the operator's database. State from another SQL text is dropped: it
   * would not fit the queries (the positions go with it, so the new queries start over).
   */
  static async open(path: string, program: Program, sql: string): Promise<AnalyticsOperator> {
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const instance = await DuckDBInstance.create(path, {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      threads: '1',
    })
    const c = await instance.connect()
    const op = new AnalyticsOperator(program, instance, c)
    try {
      await op.#setup(createHash('sha256').update(sql).digest('hex'))
    } catch (error) {
      op.close()
      throw error
    }
    return op
  }

  get lastSeq(): number {
    return this.#seq
  }

  position(shardKey: string): { created: number; next: number } | undefined {
    return this.#positions.get(shardKey)
  }

  watermark(source: string): number | undefined {
    return this.#watermarks.get(source)
  }

  get sources(): readonly string[] {
    return this.#sources
  }

  /** The newest event time a shard of `source` has had (its own watermark is this − the bound). */
  maxEventTime(source: string, shardKey: string): number | undefined {
    return this.#maxEt.get(`${source}\u0000${shardKey}`)
  }

  /** The processing time of the last batch committed (processing-time windows' watermark). */
  get lastBatchTime(): number | undefined {
    return Number.isFinite(this.#lastNow) ? this.#lastNow : undefined
  }

  async #run(sql: string): Promise<void> {
    try {
      await this.#c.run(sql)
    } catch (error) {
      throw duckdbError(error)
    }
  }

  async #rows(sql: string): Promise<DuckDBValue[][]> {
    try {
      return (await this.#c.runAndReadAll(sql)).getRows()
    } catch (error) {
      throw duckdbError(error)
    }
  }

  async #setup(hash: string): Promise<void> {
    for (const m of MACROS) await this.#run(m)
    await this.#run('CREATE TABLE IF NOT EXISTS __meta (key VARCHAR PRIMARY KEY, value VARCHAR)')
    const stored = await this.#rows("SELECT value FROM __meta WHERE key = 'sql'")
    if (stored.length > 0 && stored[0]![0] !== hash) {
      const tables = await this.#rows(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name <> '__meta'",
      )
      for (const [t] of tables) await this.#run(`DROP TABLE "${String(t)}"`)
    }
    await this.#run(`INSERT OR REPLACE INTO __meta VALUES ('sql', '${hash}')`)
    await this.#run(
      'CREATE TABLE IF NOT EXISTS __pos (shard VARCHAR PRIMARY KEY, created BIGINT, next BIGINT)',
    )
    await this.#run(
      'CREATE TABLE IF NOT EXISTS __maxet (source VARCHAR, shard VARCHAR, max_et BIGINT, PRIMARY KEY (source, shard))',
    )
    await this.#run('CREATE TABLE IF NOT EXISTS __wm (source VARCHAR PRIMARY KEY, wm BIGINT)')
    await this.#run(
      'CREATE TABLE IF NOT EXISTS __outbox (seq BIGINT, query INTEGER, kind VARCHAR, unit VARCHAR, n INTEGER, body VARCHAR)',
    )
    for (const [shard, created, next] of await this.#rows('SELECT shard, created, next FROM __pos'))
      this.#positions.set(String(shard), { created: Number(created), next: Number(next) })
    for (const [source, shard, maxEt] of await this.#rows('SELECT source, shard, max_et FROM __maxet'))
      this.#maxEt.set(`${source}\u0000${shard}`, Number(maxEt))
    for (const [source, wm] of await this.#rows('SELECT source, wm FROM __wm'))
      this.#watermarks.set(String(source), Number(wm))
    const seq = await this.#rows("SELECT value FROM __meta WHERE key = 'seq'")
    this.#seq = seq.length > 0 ? Number(seq[0]![0]) : 0
    const now = await this.#rows("SELECT value FROM __meta WHERE key = 'now'")
    if (now.length > 0) this.#lastNow = Number(now[0]![0])
    // Empty batch tables give every query's tables their shapes (and check the SQL binds).
    await this.#prepareInputs(new Map(), 0)
    for (const plan of this.plans) {
      await this.#run(`CREATE OR REPLACE TEMP TABLE in_q${plan.index} AS ${plan.inputSql}`)
      if (plan.mode === 'partial') {
        await this.#run(
          `CREATE TABLE IF NOT EXISTS st_q${plan.index} AS ${plan.partialSql!(`in_q${plan.index}`)} LIMIT 0`,
        )
        const types = await this.#rows(
          `SELECT column_name, coalesce(numeric_scale, 0) FROM duckdb_columns() WHERE table_name = 'st_q${plan.index}' AND (data_type LIKE 'DECIMAL%' OR data_type IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'))`,
        )
        for (const [column, scale] of types) plan.decimalScales?.set(String(column), Number(scale))
        await this.#rows(`${plan.outputSql(`st_q${plan.index}`)} LIMIT 0`)
      } else if (plan.mode === 'raw' || plan.mode === 'session') {
        await this.#run(
          `CREATE TABLE IF NOT EXISTS rows_q${plan.index} AS SELECT * FROM in_q${plan.index} LIMIT 0`,
        )
        const rows =
          plan.mode === 'session' ? `(${plan.sessionSql!(`rows_q${plan.index}`)})` : `rows_q${plan.index}`
        await this.#rows(`${plan.outputSql(rows)} LIMIT 0`)
      } else {
        await this.#rows(`${plan.outputSql(`in_q${plan.index}`)} LIMIT 0`)
      }
    }
  }

  /** Loads each source table's batch (and the lookup tables' rows) into DuckDB and decodes it. */
  async #prepareInputs(
    records: Map<string, InputRecord[]>,
    now: number,
    dims?: Map<string, string[]>,
  ): Promise<void> {
    for (const [i, name] of this.#sources.entries()) {
      await this.#load(`in_${i}`, records.get(name) ?? [])
      await this.#run(
        `CREATE OR REPLACE TEMP TABLE src_${i} AS ${decodeSql(this.#program.tables.get(name)!, `in_${i}`, now)}`,
      )
    }
    const dimNames = [...new Set(this.#program.queries.flatMap((q) => (q.join ? [q.join.table.name] : [])))]
    for (const [i, name] of dimNames.entries()) {
      const lines = dims?.get(name) ?? []
      await this.#load(
        `dimin_${i}`,
        lines.map((line, n) => ({ shard: 0, ordinal: n, sub: 0, arrivalMs: now, line })),
      )
      await this.#run(
        `CREATE OR REPLACE TEMP TABLE dim_${i} AS SELECT * EXCLUDE (__shard, __ord, __sub, __arrival, __valid, __et) FROM (${decodeSql(this.#program.tables.get(name)!, `dimin_${i}`, now)})`,
      )
    }
  }

  async #load(table: string, records: InputRecord[]): Promise<void> {
    await this.#run(
      `CREATE OR REPLACE TEMP TABLE ${table} (__shard INTEGER, __ord BIGINT, __sub INTEGER, __arrival BIGINT, line VARCHAR)`,
    )
    if (records.length === 0) return
    const appender = await this.#c.createAppender(table, 'main', 'temp')
    for (const r of records) {
      appender.appendInteger(r.shard)
      appender.appendBigInt(BigInt(r.ordinal))
      appender.appendInteger(r.sub)
      appender.appendBigInt(BigInt(r.arrivalMs))
      appender.appendVarchar(r.line)
      appender.endRow()
    }
    appender.flushSync()
    appender.closeSync()
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn)
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** Runs one micro-batch and commits it with its outputs; returns what it did. */
  process(batch: Batch, dims?: Map<string, string[]>): Promise<BatchOutcome> {
    return this.#serial(() => this.#process(batch, dims))
  }

  async #process(batch: Batch, dims?: Map<string, string[]>): Promise<BatchOutcome> {
    const seq = this.#seq + 1
    const outcome: BatchOutcome = {
      recordsIn: 0,
      late: new Map(),
      invalid: 0,
      emitted: 0,
      watermarks: new Map(),
    }
    await this.#run('BEGIN TRANSACTION')
    try {
      await this.#prepareInputs(batch.records, batch.now, dims)
      const before = new Map(this.#watermarks)
      // Records without a valid row or event time cannot be placed in time: counted and skipped.
      for (const [i, name] of this.#sources.entries()) {
        outcome.recordsIn += batch.records.get(name)?.length ?? 0
        const [[invalid]] = (await this.#rows(
          `SELECT count(*) FROM src_${i} WHERE NOT __valid OR __et IS NULL`,
        )) as [[bigint]]
        outcome.invalid += Number(invalid)
        if (Number(invalid) > 0) await this.#run(`DELETE FROM src_${i} WHERE NOT __valid OR __et IS NULL`)
        for (const [shard, maxEt] of await this.#rows(
          `SELECT __shard, max(__et) FROM src_${i} GROUP BY __shard`,
        )) {
          const key = `${name}\u0000${batch.shardKeys.get(Number(shard))}`
          this.#maxEt.set(key, Math.max(this.#maxEt.get(key) ?? Number.NEGATIVE_INFINITY, Number(maxEt)))
        }
      }
      this.#advanceWatermarks(batch)
      const emissions: Emission[] = []
      for (const plan of this.plans) {
        const source = plan.spec.source.name
        // Processing time: the clock is the watermark (the previous batch's time, then this one's).
        const proc = plan.spec.window?.time === 'processing'
        const wmBefore = proc ? this.#lastNow : (before.get(source) ?? Number.NEGATIVE_INFINITY)
        const wmAfter = proc ? batch.now : (this.#watermarks.get(source) ?? Number.NEGATIVE_INFINITY)
        const late = await this.#query(plan, seq, wmBefore, wmAfter, emissions)
        if (late > 0) outcome.late.set(plan.index, late)
      }
      await this.#persist(batch, seq, emissions)
      crashPoint('analytics.batch')
      await this.#run('COMMIT')
      this.#seq = seq
      this.#lastNow = batch.now
      outcome.emitted = emissions.filter((e) => e.kind === 'rows').reduce((n, e) => n + e.rows.length, 0)
      outcome.watermarks = new Map(this.#watermarks)
      return outcome
    } catch (error) {
      await this.#c.run('ROLLBACK').catch(() => undefined)
      throw error
    }
  }

  #advanceWatermarks(batch: Batch): void {
    for (const name of this.#sources) {
      const table = this.#program.tables.get(name)!
      if (table.proctime && !table.watermark) {
        this.#watermarks.set(
          name,
          Math.max(this.#watermarks.get(name) ?? Number.NEGATIVE_INFINITY, batch.now),
        )
        continue
      }
      if (!table.watermark) continue
      const active = batch.activeShards.get(name) ?? []
      if (active.length === 0) continue
      let low = Number.POSITIVE_INFINITY
      for (const shard of active)
        low = Math.min(low, this.#maxEt.get(`${name}\u0000${shard}`) ?? Number.NEGATIVE_INFINITY)
      if (!Number.isFinite(low)) continue
      const wm = low - table.watermark.boundMs
      if (wm > (this.#watermarks.get(name) ?? Number.NEGATIVE_INFINITY)) this.#watermarks.set(name, wm)
    }
  }

  /** One query's part of a batch; returns its late records. */
  async #query(
    plan: QueryPlan,
    seq: number,
    wmBefore: number,
    wmAfter: number,
    out: Emission[],
  ): Promise<number> {
    const q = plan.index
    await this.#run(`CREATE OR REPLACE TEMP TABLE in_q${q} AS ${plan.inputSql}`)
    let late = 0
    const windowed = plan.mode !== 'append' && plan.spec.mode === 'window'
    const before = Number.isFinite(wmBefore) ? wmBefore : -1e18
    const after = Number.isFinite(wmAfter) ? wmAfter : -1e18
    if (windowed) {
      const lateLines = await this.#rows(
        `SELECT any_value(line) FROM in_q${q} JOIN in_${this.#sources.indexOf(plan.spec.source.name)} USING (__shard, __ord, __sub) WHERE __maxend <= ${before} GROUP BY __shard, __ord, __sub ORDER BY __shard, __ord, __sub`,
      )
      late = lateLines.length
      if (late > 0) {
        out.push({
          seq,
          query: q,
          kind: 'late',
          unit: `batch-${seq}`,
          rows: lateLines.map((r) => String(r[0])),
        })
        await this.#run(`DELETE FROM in_q${q} WHERE __maxend <= ${before}`)
      }
      if (plan.mode !== 'session') await this.#run(`DELETE FROM in_q${q} WHERE __we <= ${before}`)
    }
    if (plan.mode === 'append') {
      await this.#emit(plan, seq, `SELECT * FROM (${plan.outputSql(`in_q${q}`)})`, out, 'batch')
      return late
    }
    if (plan.mode === 'partial') {
      const st = `st_q${q}`
      await this.#run(`CREATE OR REPLACE TEMP TABLE p_q${q} AS ${plan.partialSql!(`in_q${q}`)}`)
      const match = ['__ws', '__we', ...plan.keys]
        .map((k) => `p.${k} IS NOT DISTINCT FROM s.${k}`)
        .join(' AND ')
      const touched = `EXISTS (SELECT 1 FROM p_q${q} AS p WHERE ${match})`
      await this.#run(
        `CREATE OR REPLACE TEMP TABLE m_q${q} AS ${plan.mergeSql!(`(SELECT * FROM ${st} AS s WHERE ${touched} UNION ALL BY NAME SELECT * FROM p_q${q})`)}`,
      )
      await this.#run(`DELETE FROM ${st} AS s WHERE ${touched}`)
      await this.#run(`INSERT INTO ${st} BY NAME SELECT * FROM m_q${q}`)
      if (plan.spec.mode === 'update') {
        await this.#emit(plan, seq, plan.outputSql(`m_q${q}`), out, 'batch')
        return late
      }
      await this.#emit(
        plan,
        seq,
        plan.outputSql(`(SELECT * FROM ${st} WHERE __we <= ${after})`),
        out,
        'window',
      )
      await this.#run(`DELETE FROM ${st} WHERE __we <= ${after}`)
      return late
    }
    const rows = `rows_q${q}`
    await this.#run(`INSERT INTO ${rows} BY NAME SELECT * FROM in_q${q}`)
    if (plan.mode === 'raw') {
      await this.#emit(
        plan,
        seq,
        plan.outputSql(`(SELECT * FROM ${rows} WHERE __we <= ${after})`),
        out,
        'window',
      )
      await this.#run(`DELETE FROM ${rows} WHERE __we <= ${after}`)
      return late
    }
    // Sessions: the buffered rows are sessionized again; closed sessions are output and dropped.
    await this.#run(`CREATE OR REPLACE TEMP TABLE ses_q${q} AS ${plan.sessionSql!(rows)}`)
    await this.#emit(
      plan,
      seq,
      plan.outputSql(
        `(SELECT * EXCLUDE (__ws, __we, __sid), __ws, __we FROM ses_q${q} WHERE __we <= ${after})`,
      ),
      out,
      'batch',
    )
    await this.#run(`DELETE FROM ${rows}`)
    await this.#run(
      `INSERT INTO ${rows} BY NAME SELECT * EXCLUDE (__ws, __we, __sid) FROM ses_q${q} WHERE __we > ${after}`,
    )
    return late
  }

  async #emit(
    plan: QueryPlan,
    seq: number,
    sql: string,
    out: Emission[],
    units: 'window' | 'batch',
  ): Promise<void> {
    let reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>
    try {
      reader = await this.#c.runAndReadAll(sql)
    } catch (error) {
      throw duckdbError(error)
    }
    const rows = reader.getRows()
    if (rows.length === 0) return
    const names = plan.columns
    let current: Emission | undefined
    for (const row of rows) {
      const unit =
        units === 'window'
          ? `${stamp(Number(row[0]))}_${stamp(Number(row[1]))}`
          : `batch-${String(seq).padStart(10, '0')}`
      if (current?.unit !== unit) {
        current = { seq, query: plan.index, kind: 'rows', unit, rows: [] }
        out.push(current)
      }
      const object: Record<string, unknown> = {}
      for (let i = 0; i < names.length; i++) object[names[i]!] = sinkValue(row[i + 2]!)
      current.rows.push(JSON.stringify(object))
    }
  }

  async #persist(batch: Batch, seq: number, emissions: Emission[]): Promise<void> {
    for (const [shard, p] of batch.positions) {
      this.#positions.set(shard, p)
      await this.#run(`INSERT OR REPLACE INTO __pos VALUES (${quote(shard)}, ${p.created}, ${p.next})`)
    }
    for (const [key, maxEt] of this.#maxEt) {
      const [source, shard] = key.split('\u0000') as [string, string]
      await this.#run(`INSERT OR REPLACE INTO __maxet VALUES (${quote(source)}, ${quote(shard)}, ${maxEt})`)
    }
    for (const [source, wm] of this.#watermarks)
      await this.#run(`INSERT OR REPLACE INTO __wm VALUES (${quote(source)}, ${wm})`)
    await this.#run(`INSERT OR REPLACE INTO __meta VALUES ('seq', '${seq}'), ('now', '${batch.now}')`)
    if (emissions.length === 0) return
    const appender = await this.#c.createAppender('__outbox')
    for (const e of emissions)
      for (const [n, body] of e.rows.entries()) {
        appender.appendBigInt(BigInt(e.seq))
        appender.appendInteger(e.query)
        appender.appendVarchar(e.kind)
        appender.appendVarchar(e.unit)
        appender.appendInteger(n)
        appender.appendVarchar(body)
        appender.endRow()
      }
    appender.flushSync()
    appender.closeSync()
  }

  /** Outputs committed but not yet acknowledged by the sinks, in order. */
  pending(): Promise<Emission[]> {
    return this.#serial(() => this.#pending())
  }

  async #pending(): Promise<Emission[]> {
    const rows = await this.#rows(
      'SELECT seq, query, kind, unit, body FROM __outbox ORDER BY seq, query, kind, unit, n',
    )
    const out: Emission[] = []
    for (const [seq, query, kind, unit, body] of rows) {
      const last = out[out.length - 1]
      if (
        last &&
        last.seq === Number(seq) &&
        last.query === Number(query) &&
        last.kind === kind &&
        last.unit === unit
      )
        last.rows.push(String(body))
      else
        out.push({
          seq: Number(seq),
          query: Number(query),
          kind: kind as Emission['kind'],
          unit: String(unit),
          rows: [String(body)],
        })
    }
    return out
  }

  /** The sinks have everything up to `seq`. */
  acknowledge(seq: number): Promise<void> {
    return this.#serial(() => this.#run(`DELETE FROM __outbox WHERE seq <= ${seq}`))
  }

  /** Commits positions alone (a reader's starting positions, before any batch). */
  commitPositions(positions: Map<string, { created: number; next: number }>): Promise<void> {
    return this.#serial(async () => {
      for (const [shard, p] of positions) {
        this.#positions.set(shard, p)
        await this.#run(`INSERT OR REPLACE INTO __pos VALUES (${quote(shard)}, ${p.created}, ${p.next})`)
      }
    })
  }

  /** Rows of open state (partial groups or buffered rows): memory is bounded by these. */
  stateRows(): Promise<number> {
    return this.#serial(() => this.#stateRows())
  }

  async #stateRows(): Promise<number> {
    let n = 0
    for (const plan of this.plans) {
      if (plan.mode === 'append') continue
      const table = plan.mode === 'partial' ? `st_q${plan.index}` : `rows_q${plan.index}`
      n += Number((await this.#rows(`SELECT count(*) FROM ${table}`))[0]![0])
    }
    return n
  }

  /**
   * Each query's open state: rows of partial aggregates or buffered rows, and the windows they
   * belong to (where windows are kept apart). Read between batches, never inside one.
   */
  openState(): Promise<Array<{ rows: number; windows?: number }>> {
    return this.#serial(async () => {
      const out: Array<{ rows: number; windows?: number }> = []
      for (const plan of this.plans) {
        if (plan.mode === 'append') {
          out.push({ rows: 0 })
          continue
        }
        const table = plan.mode === 'partial' ? `st_q${plan.index}` : `rows_q${plan.index}`
        const windowed = plan.spec.mode === 'window' && plan.mode !== 'session'
        const [[rows, windows]] = (await this.#rows(
          `SELECT count(*), ${windowed ? 'count(DISTINCT __ws)' : 'NULL'} FROM ${table}`,
        )) as [[bigint, bigint | null]]
        out.push(windows === null ? { rows: Number(rows) } : { rows: Number(rows), windows: Number(windows) })
      }
      return out
    })
  }

  close(): void {
    this.#c.closeSync()
    this.#instance.closeSync()
  }
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** A window bound in a file name: `20260101T100000000Z`. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '')
}
