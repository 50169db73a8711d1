import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnTributary } from '../helpers/child-dev.ts'

describe('tributary sql', () => {
  it("runs a continuous query against a running pipeline's stream and prints its updates", async () => {
    const p = await startPipeline(
      { name: 'sql-cli', streams: { trips: { shardCount: 1 } } },
      { serve: true, teardown: onTestFinished },
    )
    await p.put('trips', [
      { zone: 'A', ts: '2026-01-01 10:00:00.000' },
      { zone: 'A', ts: '2026-01-01 10:00:01.000' },
      { zone: 'B', ts: '2026-01-01 10:00:02.000' },
    ])
    const sql = `CREATE TABLE trips (zone STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
      WITH ('connector' = 'kinesis', 'stream' = 'trips', 'scan.stream.initpos' = 'TRIM_HORIZON');
      SELECT zone, COUNT(*) AS n FROM trips GROUP BY zone;`
    const cli = spawnTributary(['sql', '-x', sql, '--limit', '2', '--endpoint', p.endpoint!])
    const { code } = await cli.exited
    expect(code, cli.output()).toBe(0)
    expect(cli.output()).toContain('+U {"zone":"A","n":2}\n+U {"zone":"B","n":1}\n')
  })

  it('says where SQL is wrong, with its line and column', async () => {
    const cli = spawnTributary([
      'sql',
      '-x',
      "CREATE TABLE t (a STRING) WITH ('connector' = 'kinesis', 'stream' = 's');\nSELECT a, FROM t;",
    ])
    const { code } = await cli.exited
    expect(code).not.toBe(0)
    expect(cli.output()).toMatch(/SQL parse failed: .* \(line 1, column 11\)/)
  })
})
