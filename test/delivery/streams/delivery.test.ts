import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../../src/engine/records.ts'
import { openLakeQuery } from '../../../src/query/index.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { filesUnder } from '../../helpers/files.ts'

const CONFIG = new URL('../../fixtures/pipelines/delivery/tributary.config.ts', import.meta.url).pathname
const DEVICES = ['alpha', 'beta', 'gamma']

function reading(i: number) {
  return {
    device: DEVICES[i % 3],
    seq: i,
    ts: Date.UTC(2026, 10, 23, 12, 0, i % 60),
    fahrenheit: 50 + (i % 40),
  }
}

async function putReadings(
  engine: Parameters<typeof putRecords>[0],
  from: number,
  count: number,
  extra = {},
) {
  const entries = Array.from({ length: count }, (_, k) => ({
    partitionKey: `pk-${from + k}`,
    data: Buffer.from(JSON.stringify({ ...reading(from + k), ...extra })).toString('base64'),
  }))
  const result = await putRecords(engine, 'sensors', entries)
  expect(result.outcomes.every((o) => o.ok)).toBe(true)
}

describe('delivery streams from a Kinesis stream into the lake', () => {
  it('buffers, partitions, encodes and writes each record exactly once; DuckDB reads it all', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    const lake = join(p.dataDir, 'lake')
    await putReadings(p.runtime.engine, 0, 300)
    await putReadings(p.runtime.engine, 300, 2, { skip: true })
    await putReadings(p.runtime.engine, 302, 1, { bad: true })
    await putReadings(p.runtime.engine, 303, 1, { device: '../../escape' })
    const delivered = (name: string) =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: name }, 'AWS/Firehose').sum
    await p.until(
      () => delivered('raw') === 304 && delivered('byDevice') === 303 && delivered('parquet') === 301,
    )

    const all = await filesUnder(lake)
    expect(all.filter((f) => f.startsWith('.tmp'))).toEqual([])
    const raw = all.filter((f) => f.startsWith('lake/raw/'))
    expect(raw.length).toBe(2) // one file per shard buffer
    for (const f of raw)
      expect(f).toMatch(/^lake\/raw\/year=\d{4}\/month=\d{2}\/raw-shardId-\d{12}-\d+-\d+\.json\.gz$/)
    const lines = (
      await Promise.all(raw.map(async (f) => gunzipSync(await readFile(join(lake, f))).toString()))
    )
      .join('')
      .split('\n')
      .filter(Boolean)
    expect(lines.length).toBe(304)
    expect(new Set(lines.map((l) => JSON.parse(l).seq)).size).toBe(304)

    // Dynamic partitioning: one prefix per device; the hostile value goes to the error prefix.
    const byDevice = all.filter((f) => f.startsWith('lake/by-device/'))
    expect(new Set(byDevice.map((f) => f.split('/')[2]))).toEqual(new Set(DEVICES.map((d) => `device=${d}`)))
    const partitionErrors = all.filter((f) => f.startsWith('lake/by-device-errors/partitioning-failed/'))
    expect(partitionErrors.length).toBe(1)
    const envelope = JSON.parse(gunzipSync(await readFile(join(lake, partitionErrors[0]!))).toString())
    expect(envelope.errorCode).toBe('DynamicPartitioning.InvalidPartitionKeyValue')
    expect(JSON.parse(Buffer.from(envelope.rawData, 'base64').toString()).device).toBe('../../escape')
    expect(all.some((f) => f.includes('escape'))).toBe(false)

    // Transformation: Dropped records vanish, ProcessingFailed ones land in the error prefix.
    const processing = all.filter((f) => f.startsWith('curated/readings-errors/processing-failed/'))
    expect(processing.length).toBe(1)
    const failed = JSON.parse((await readFile(join(lake, processing[0]!))).toString().trim()) as Record<
      string,
      unknown
    >
    expect(Object.keys(failed)).toEqual([
      'attemptsMade',
      'arrivalTimestamp',
      'errorCode',
      'errorMessage',
      'attemptEndingTimestamp',
      'rawData',
      'lambdaArn',
    ])

    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    try {
      const json = await q.query(
        "SELECT count(*) AS n, count(DISTINCT seq) AS d, sum(seq) AS s FROM read_json_auto('lake/lake/raw/**/*.gz', hive_partitioning = true)",
      )
      expect(json.rows[0]).toEqual([304, 304, (303 * 304) / 2])
      const parquet = await q.query(
        'SELECT count(*), sum(temperature), min(ts), count(DISTINCT day) FROM readings',
      )
      // 300 plain readings and the one with the hostile device name (this delivery does not
      // partition by device); the dropped and failed ones are not there.
      const seqs = [...Array.from({ length: 300 }, (_, i) => i), 303]
      const expected = seqs.map((i) => Math.round(((reading(i).fahrenheit - 32) * 5) / 9))
      expect(parquet.rows[0]).toEqual([
        301,
        expected.reduce((a, b) => a + b, 0),
        '2026-11-23T12:00:00.000Z',
        1,
      ])

      // One glob over the whole lake, hidden folders included (DuckDB's `**` enters them): only
      // data files match, whatever the lake keeps beside them.
      const everyParquet = await q.query("SELECT count(*) FROM read_parquet('lake/**/*.parquet')")
      expect(everyParquet.rows[0]).toEqual([301])
      const ndjson = (glob: string) =>
        q.query(
          `SELECT count(*) FROM read_json('${glob}', format = 'newline_delimited', union_by_name = true)`,
        )
      // raw (304) + by-device (303) + its partitioning-failed record; the processing-failed one.
      expect((await ndjson('lake/**/*.json.gz')).rows[0]).toEqual([304 + 303 + 1])
      expect((await ndjson('lake/**/*.json')).rows[0]).toEqual([1])
    } finally {
      await q.close()
    }
  })

  it('takes direct puts durably and delivers them after the buffering interval', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    const records = Array.from({ length: 50 }, (_, i) => Buffer.from(JSON.stringify({ i })))
    const ids = await p.runtime.deliveries.put('direct', records)
    expect(new Set(ids.map((r) => r.recordId)).size).toBe(50)
    const firehose = (name: string) => p.metric(name, { DeliveryStreamName: 'direct' }, 'AWS/Firehose')
    expect(firehose('IncomingRecords').sum).toBe(50)
    expect(firehose('IncomingBytes').sum).toBe(records.reduce((n, r) => n + r.length, 0))
    expect(firehose('IncomingPutRequests').sum).toBe(1)
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'direct' }, 'AWS/Firehose').sum
    const before = p.clock.now()
    await p.until(() => delivered() === 50)
    expect(p.clock.now() - before).toBeGreaterThan(30_000)
    const direct = (await filesUnder(join(p.dataDir, 'lake', 'lake'))).filter((f) => f.startsWith('direct/'))
    // A prefix without expressions gets Firehose's default time prefix appended.
    expect(direct).toEqual([
      expect.stringMatching(
        new RegExp(
          `^direct/\\d{4}/\\d{2}/\\d{2}/\\d{2}/direct-direct-${'0'.repeat(20)}-${'49'.padStart(20, '0')}\\.json$`,
        ),
      ),
    ])
    const body = await readFile(join(p.dataDir, 'lake', 'lake', direct[0]!), 'utf8')
    expect(body).toBe(records.map((r) => `${r}\n`).join(''))
  })

  it('writes byte-identical files when the same log is replayed into an empty lake', async () => {
    const first = await startPipeline(CONFIG, { teardown: onTestFinished })
    await first.active()
    await putReadings(first.runtime.engine, 0, 120)
    const delivered = () =>
      first.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum
    await first.until(() => delivered() === 120)
    const digest = async (dir: string) => {
      const out: Record<string, string> = {}
      for (const f of await filesUnder(dir))
        out[f] = createHash('sha256')
          .update(await readFile(join(dir, f)))
          .digest('hex')
      return out
    }
    const lakeRaw = join(first.dataDir, 'lake', 'lake', 'raw')
    const before = await digest(lakeRaw)
    await first.close()
    // Forget the lake and the delivery positions; the stream log stays.
    const { rm } = await import('node:fs/promises')
    await rm(join(first.dataDir, 'lake'), { recursive: true })
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(first.dataDir, 'state.db'))
    db.exec('DELETE FROM delivery_positions; DELETE FROM delivery_intents')
    db.close()
    const second = await startPipeline(CONFIG, {
      dataDir: first.dataDir,
      clock: first.clock,
      teardown: onTestFinished,
    })
    await second.until(
      () => second.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum === 120,
    )
    expect(await digest(lakeRaw)).toEqual(before)
  })
})
