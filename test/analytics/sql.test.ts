import { describe, expect, it } from 'vitest'
import { SqlError } from '../../src/analytics/sql/lexer.ts'
import { compileProgram } from '../../src/analytics/sql/program.ts'
import { source } from './harness.ts'

async function problem(sql: string): Promise<string> {
  try {
    await compileProgram(sql, { selectAllowed: true })
  } catch (error) {
    if (error instanceof SqlError) return error.describe()
    throw error
  }
  throw new Error('no problem found')
}

const TVF = "FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))"

describe('Flink SQL in', () => {
  it("parses seed 004's CREATE TABLE … WITH ('connector' = 'kinesis') with computed columns", async () => {
    const program = await compileProgram(
      `CREATE TABLE trips (
        trip_id BIGINT, pickup STRING, fare DOUBLE, epoch BIGINT,
        ts AS TO_TIMESTAMP_LTZ(epoch, 3),
        borough AS UPPER(pickup),
        WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
      ) PARTITIONED BY (trip_id) WITH (
        'connector' = 'kinesis', 'stream' = 'trips', 'aws.region' = 'us-east-1',
        'scan.stream.initpos' = 'LATEST', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601'
      );
      CREATE TABLE out1 (z STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = 's3://lake/agg/', 'format' = 'csv');
      INSERT INTO out1 SELECT borough, COUNT(*) FROM trips GROUP BY borough;`,
    )
    const trips = program.tables.get('trips')!
    expect(trips.connector).toEqual({ kind: 'stream', stream: 'trips', initialPosition: 'LATEST' })
    expect(trips.watermark).toEqual({ column: 'ts', boundMs: 10_000 })
    expect(trips.computed.map((c) => c.name)).toEqual(['ts', 'borough'])
    expect(program.tables.get('out1')!.connector).toEqual({ kind: 'bucket', bucket: 'lake', prefix: 'agg/' })
    expect(program.queries[0]!.mode).toBe('update')
  })

  it('gives the grammar error with its line and column', async () => {
    expect(await problem(`${source()}\nSELEC zone FROM trips`)).toBe(
      "SQL validation failed at line 9, column 1: SQL parse failed: 'SELEC' is not valid at this position, expecting a keyword",
    )
  })

  it.each([
    [
      'the SESSION table function',
      `SELECT COUNT(*) FROM TABLE(SESSION(TABLE trips PARTITION BY zone, DESCRIPTOR(ts), INTERVAL '1' MINUTE))`,
      'the SESSION window table function is not supported',
    ],
    [
      'a join of two streams',
      `CREATE TABLE t2 (a STRING) WITH ('connector' = 'kinesis', 'stream' = 'x');\nSELECT * FROM trips JOIN t2 ON trips.zone = t2.a`,
      "'t2' cannot be joined: only a table (connector 'dynamodb') is looked up",
    ],
    [
      'OVER aggregations',
      'SELECT zone, SUM(fare) OVER (PARTITION BY zone ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM trips',
      'OVER aggregations are not supported',
    ],
    ['ORDER BY', 'SELECT zone FROM trips ORDER BY ts', 'ORDER BY is not supported in a continuous query'],
    ['an unknown function', 'SELECT MD5(zone) FROM trips', 'function MD5 is not supported'],
    ['an unknown table', 'SELECT * FROM nope', "Object 'nope' not found"],
    [
      'a window over a column without a watermark',
      "SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(zone), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
      "column 'zone' is not a time attribute of 'trips'",
    ],
    [
      'a window aggregate not grouped by the window',
      `SELECT COUNT(*) ${TVF} GROUP BY zone`,
      'a window aggregate must GROUP BY window_start, window_end',
    ],
    [
      'COUNT DISTINCT without a window',
      'SELECT zone, COUNT(DISTINCT fare) FROM trips GROUP BY zone',
      'this aggregate needs every row kept',
    ],
    [
      'an unsupported connector',
      "CREATE TABLE es (a STRING) WITH ('connector' = 'jdbc');\nSELECT 1 FROM trips",
      "connector 'jdbc' is not supported",
    ],
    [
      'a HOP size that is no multiple of the slide',
      "SELECT COUNT(*) FROM TABLE(HOP(TABLE trips, DESCRIPTOR(ts), INTERVAL '7' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
      'HOP size must be an integral multiple of its slide',
    ],
    [
      'an unsupported type',
      "CREATE TABLE m (a MAP<STRING, INT>) WITH ('connector' = 'print');\nSELECT 1 FROM trips",
      'type MAP<STRING, INT> is not supported',
    ],
    [
      'an unknown option',
      "CREATE TABLE k (a STRING) WITH ('connector' = 'kinesis', 'stream' = 's', 'scan.shard.getrecords.maxrecordcount' = '10');\nSELECT 1 FROM trips",
      "unsupported option 'scan.shard.getrecords.maxrecordcount' for connector 'kinesis'",
    ],
  ])('refuses %s with one line', async (_, statement, message) => {
    const text = await problem(`${source()}${statement}`)
    expect(text).toContain(message)
    expect(text).toMatch(/^SQL validation failed at line \d+, column \d+: /)
    expect(text.split('\n')).toHaveLength(1)
  })

  it('points at the statement the column count is wrong in', async () => {
    const sql = `${source()}CREATE TABLE o (a STRING) WITH ('connector' = 'print');\nINSERT INTO o SELECT zone, fare FROM trips;`
    expect(await problem(sql)).toBe(
      "SQL validation failed at line 9, column 13: the query has 2 columns and sink 'o' has 1",
    )
  })

  it('needs an INSERT INTO in a resource', async () => {
    await expect(compileProgram(source())).rejects.toThrow('no INSERT INTO statement')
  })
})
