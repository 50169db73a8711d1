import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AnalyticsOperator,
  type Batch,
  type Emission,
  type InputRecord,
} from '../../src/analytics/operator.ts'
import { compileProgram } from '../../src/analytics/sql/program.ts'

export const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)
/** An event time `ms` after T0, as ISO text. */
export const at = (ms: number) => new Date(T0 + ms).toISOString()
/** The SQL text of a timestamp `ms` after T0, as sinks write it. */
export const sqlTime = (ms: number) => new Date(T0 + ms).toISOString().replace('T', ' ').replace('Z', '')

/** The trips source and the per-zone table sink the pipeline and dashboard tests share. */
export const TRIPS_DDL = `
CREATE TABLE trips (
  zone STRING,
  fare DECIMAL(10,2),
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'trips', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE per_zone (
  window_start TIMESTAMP(3), zone STRING, trips BIGINT, total DECIMAL(12,2)
) WITH ('connector' = 'dynamodb', 'table-name' = 'zone-stats');
`
/** Trips and total fare per zone per 1-minute tumbling window, into `per_zone`. */
export const PER_ZONE_INSERT = `
INSERT INTO per_zone
SELECT window_start, zone, COUNT(*), SUM(fare)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone;
`

/**
 * Drives an operator directly with batches of records (one shard unless told), no engine: the
 * window logic's tests, deterministic and fast.
 */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'tributary-analytics-'))
  #ordinal = 0
  now = T0

  private constructor(
    readonly op: AnalyticsOperator,
    readonly source: string,
  ) {}

  static async open(sql: string, options: { selectAllowed?: boolean; path?: string } = {}): Promise<Harness> {
    const program = await compileProgram(sql, options)
    const dir = mkdtempSync(join(tmpdir(), 'tributary-analytics-'))
    const op = await AnalyticsOperator.open(options.path ?? join(dir, 'state.duckdb'), program, sql)
    return new Harness(op, op.sources[0]!)
  }

  /** Runs one batch; returns the rows it output (as objects) and what it did. */
  async batch(
    records: (object | string)[],
    options: { shard?: number; shards?: string[]; dims?: Map<string, string[]> } = {},
  ) {
    const shard = options.shard ?? 0
    const input: InputRecord[] = records.map((r) => ({
      shard,
      ordinal: this.#ordinal++,
      sub: 0,
      arrivalMs: this.now,
      line: typeof r === 'string' ? r : JSON.stringify(r),
    }))
    const shards = options.shards ?? ['s0']
    const batch: Batch = {
      records: new Map([[this.source, input]]),
      now: this.now,
      positions: new Map([[`s${shard}`, { created: 1, next: this.#ordinal }]]),
      shardKeys: new Map(shards.map((s, i) => [i, s])),
      activeShards: new Map([[this.source, shards]]),
    }
    const outcome = await this.op.process(batch, options.dims)
    const emitted = await this.op.pending()
    if (emitted.length > 0) await this.op.acknowledge(emitted[emitted.length - 1]!.seq)
    return { outcome, rows: rowsOf(emitted), emitted }
  }

  close(): void {
    this.op.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function rowsOf(emitted: Emission[]): Record<string, unknown>[] {
  return emitted
    .filter((e) => e.kind === 'rows')
    .flatMap((e) => e.rows.map((r) => JSON.parse(r) as Record<string, unknown>))
}

export const source = (extra = '', initpos = 'TRIM_HORIZON') => `
CREATE TABLE trips (
  zone STRING,
  fare DECIMAL(10,2),
  ts TIMESTAMP(3),${extra}
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'trips', 'scan.stream.initpos' = '${initpos}');
`
