import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { readOutbox } from '../../src/monitor/notify/index.ts'
import { openLakeQuery } from '../../src/query/index.ts'
import { openTables } from '../../src/services/tables/index.ts'
import { filesUnder } from '../../test/helpers/files.ts'
import { parseMail, startSmtpServer } from '../../test/monitor/notify/fixtures.ts'
import { BREAK_FLAG, generateReadings, type SensorReading } from './functions/generator.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 10, 59, 0)
const INPUT = { sensors: 12, readings: 6, seed: 2026, time: '2026-11-23T11:00:00.000Z' }

/** Order-independent digest of a set of records. */
const digest = (lines: string[]) =>
  createHash('sha256')
    .update([...lines].sort().join('\n'))
    .digest('hex')

/** Waits in real time (no clock moves) for `done`, e.g. for mail on a real socket. */
async function eventually(done: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('examples/iot-sensors (seed 000)', () => {
  it('generates readings on schedule into the table and the lake; a broken generator alerts by e-mail and alarms', async () => {
    const smtp = await startSmtpServer()
    // Once, at 11:00 (the test's clock jumps from timer to timer while functions work, so a rate
    // schedule would fire again and again); one reproducible run. SMTP from the environment, as
    // a user would configure it.
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(START),
      env: {
        SENSORS_SCHEDULE: 'cron(0 11 23 11 ? 2026)',
        SENSORS_INPUT: JSON.stringify(INPUT),
        TRIBUTARY_SMTP_HOST: '127.0.0.1',
        TRIBUTARY_SMTP_PORT: String(smtp.port),
      },
      teardown: onTestFinished,
    })
    await p.active()
    const readings = generateReadings(INPUT.sensors, INPUT.readings, INPUT.seed, Date.parse(INPUT.time))
    expect(readings.length).toBe(72)

    // 1. The schedule fires at 11:00; the readings reach the table at once and the lake once the
    //    60 s buffer is cut.
    const sensors = openTables(p.runtime.engine.state, { sensors: { partitionKey: 'sensor_id' } }).get(
      'sensors',
    )!
    const rows = () => sensors.scan({ limit: 1000 }).items as SensorReading[]
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'sensors-to-lake' }, 'AWS/Firehose').sum
    await p.until(() => delivered() === readings.length && rows().length === INPUT.sensors)
    expect(
      p.logs.some((l) => l.functionName === 'generator' && /put 72 readings from 12 sensors/.test(l.message)),
    ).toBe(true)
    expect(p.metric('Invocations', { FunctionName: 'generator' }).sum).toBe(1)
    expect(p.metric('Errors', { FunctionName: 'generator' }).sum).toBe(0)

    // The table: each sensor's latest reading (the 6th of its run, at the run's time, 11:00).
    const latest = new Map<string, SensorReading>()
    for (const r of readings) latest.set(r.sensor_id, r)
    expect(rows().sort((a, b) => a.sensor_id.localeCompare(b.sensor_id))).toEqual([...latest.values()])
    expect(rows().every((r) => r.ts === '2026-11-23T11:00:00.000Z')).toBe(true)

    // The lake: GZIP NDJSON files under hour partitions (arrival time), each reading once, byte
    // for byte; nothing in the error prefix.
    const lake = join(p.dataDir, 'lake', 'lake')
    const all = await filesUnder(lake)
    expect(all.length).toBeGreaterThan(0)
    const landed: string[] = []
    for (const f of all) {
      expect(f).toMatch(
        // The hour is the records' arrival time on the test clock, which moves on while the
        // generator's worker starts (11 or a little later on a slow machine).
        /^sensors\/year=2026\/month=11\/day=23\/hour=\d\d\/sensors-to-lake-shardId-\d{12}-\d+-\d+\.json\.gz$/,
      )
      const lines = gunzipSync(await readFile(join(lake, f)))
        .toString('utf8')
        .split('\n')
      expect(lines.pop()).toBe('')
      landed.push(...lines)
    }
    expect(landed.length).toBe(readings.length)
    expect(digest(landed)).toBe(digest(readings.map((r) => JSON.stringify(r))))

    // SQL over the lake through the catalog table, as `tributary query` runs it.
    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    try {
      const summary = await q.query(
        `SELECT count(*), count(DISTINCT sensor_id), min(ts)::VARCHAR, max(ts)::VARCHAR, round(sum(temperature), 2)
           FROM sensor_readings WHERE year = 2026 AND month = 11 AND day = 23 AND hour >= 11`,
      )
      const sum = Math.round(readings.reduce((s, r) => s + r.temperature, 0) * 100) / 100
      expect(summary.rows).toEqual([[72, 12, '2026-11-23 10:59:10', '2026-11-23 11:00:00', sum]])
      const perSensor = await q.query(
        'SELECT sensor_id, count(*), max(battery) FROM sensor_readings GROUP BY sensor_id ORDER BY sensor_id LIMIT 2',
      )
      expect(perSensor.rows).toEqual(
        ['sensor-001', 'sensor-002'].map((id) => {
          const of = readings.filter((r) => r.sensor_id === id)
          return [id, 6, Math.max(...of.map((r) => r.battery))]
        }),
      )
    } finally {
      await q.close()
    }
    expect(smtp.mails).toEqual([])

    // 2. Break the generator while it runs (the flag object a person can `touch`), and run it as
    //    `tributary dev --fire-schedules` does: Lambda's asynchronous invocation, no retry, the
    //    invocation record to `generator-failures`, the notifier, the `alerts` topic, e-mail.
    // (The notifier's worker is started first: the test's clock jumps whenever the pipeline looks
    // idle, and a cold start could outlast the message's visibility timeout on that clock.)
    await p.runtime.pool.invoke('notifier', { Records: [] })
    await p.runtime.buckets.putObject(BREAK_FLAG.bucket, BREAK_FLAG.key, Buffer.from('broken by the test\n'))
    await p.runtime.fireSchedule('generate')
    const alarmedAt = () =>
      p.runtime.alarms
        .history('generator-errors')
        .find((h) => h.type === 'StateUpdate' && h.newState === 'ALARM')
    const failures = () => p.runtime.queues.depth('generator-failures')
    await p.until(
      () =>
        alarmedAt() !== undefined &&
        p.metric('Invocations', { FunctionName: 'notifier' }).sum >= 1 &&
        failures().visible + failures().inFlight === 0 &&
        smtp.mails.length >= 2,
    )
    expect(p.metric('Errors', { FunctionName: 'generator' }).sum).toBe(1)
    expect(p.metric('Errors', { FunctionName: 'notifier' }).sum).toBe(0)
    expect(alarmedAt()!.reason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(23\/11\/26 \d\d:\d\d:00\)\] was greater than or equal to the threshold \(1\.0\)/,
    )

    // Two e-mails at the real SMTP server: the notifier's alert and the alarm's.
    await eventually(() => smtp.mails.length >= 2)
    const mails = smtp.mails.map((m) => ({ ...m, ...parseMail(m.raw) }))
    for (const m of mails) {
      expect(m.to).toEqual(['ops@example.com'])
      expect(m.from).toBe('alerts@iot-sensors.example.com')
    }
    const failure = mails.find((m) => m.headers.subject?.startsWith('[iot-sensors]'))!
    expect(failure.headers.subject).toBe(
      '[iot-sensors] generator failed: generator broken: flag control/break-generator is set',
    )
    expect(failure.text).toContain('The IoT sensor generator failed: no readings were produced for this run.')
    expect(failure.text).toContain(
      'What fired  function generator failed; Lambda gave up after its retries (1 attempt)',
    )
    expect(failure.text).toContain('Why         Error: generator broken: flag control/break-generator is set')
    expect(failure.text).toContain(`Event       run with input ${JSON.stringify(INPUT)}`)
    expect(failure.text).toContain('Queue       generator-failures (message ')
    expect(failure.text).toContain('Dashboard   http://127.0.0.1:4567/ui/#/alarms/generator-errors')
    const alarmMail = mails.find((m) => m.headers.subject === 'ALARM: generator-errors')!
    expect(alarmMail.text).toContain('What fired  alarm "generator-errors" (OK → ALARM)')
    expect(alarmMail.text).toContain('Why         Threshold Crossed: 1 out of the last 1 datapoints')
    expect(alarmMail.text).toContain('Value       1 (alarms when >= 1)')
    expect(alarmMail.text).toContain('Dashboard   http://127.0.0.1:4567/ui/#/alarms/generator-errors')

    // The outbox subscription has both, as a person would `tail` them.
    const outbox = await readOutbox(join(p.dataDir, 'outbox.ndjson'))
    expect(outbox.map((e) => e.subject).sort()).toEqual(
      [failure.headers.subject, 'ALARM: generator-errors'].sort(),
    )

    // Nothing more reached the lake or the table.
    expect(delivered()).toBe(readings.length)
    expect(rows().length).toBe(INPUT.sensors)
  })
})
