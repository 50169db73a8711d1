import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openTables } from '../../src/services/tables/index.ts'
import { releaseReadBuffers } from '../../src/storage/log/reader.ts'
import type { SensorReading } from './functions/generator.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 8, 0, 0)
/** Seconds between runs: mostly a minute, some sooner (a run by hand), one after a pause. */
const GAPS = [60, 60, 60, 30, 60, 60, 600, 60, 60, 45, ...Array.from({ length: 30 }, () => 60)]

/** EventBridge's scheduled event at `ms` (its `time` has whole seconds). */
function scheduledEvent(ms: number) {
  return {
    version: '0',
    id: `run-${ms}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: `${new Date(ms).toISOString().slice(0, 19)}Z`,
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/generate'],
    detail: {},
  }
}

describe('examples/iot-sensors generator over many runs', () => {
  it('each sensor drifts from its last reading, batteries only drain, and no reading is after its run', async () => {
    // No timed run: the test invokes the generator itself, each time at the clock's time.
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(START),
      env: { SENSORS_SCHEDULE: 'cron(0 0 1 1 ? 2030)' },
      teardown: onTestFinished,
    })
    await p.active()
    const shards = p.runtime.engine.stream('sensors').orderedShards()
    const positions = shards.map((s) => s.log!.firstOrdinal)
    /** The readings put on the stream since the last call. */
    const newReadings = async () => {
      const out: SensorReading[] = []
      for (const [i, shard] of shards.entries()) {
        const read = await shard.log!.read(positions[i]!, 10_000, 64 * 1024 * 1024)
        for (const r of read.records)
          out.push(JSON.parse(Buffer.from(r.data.toString('latin1'), 'base64').toString('utf8')))
        releaseReadBuffers(read.buffers)
        positions[i] = read.next
      }
      return out
    }

    const bySensor = new Map<string, SensorReading[]>()
    let runMs = START
    for (const gap of GAPS) {
      runMs += gap * 1000
      p.clock.set(runMs)
      const outcome = await p.runtime.pool.invoke('generator', scheduledEvent(runMs))
      expect(outcome.kind).toBe('ok')
      const readings = await newReadings()
      expect(readings.length).toBeGreaterThan(0)
      for (const r of readings) {
        // Never after the invocation.
        expect(Date.parse(r.ts)).toBeLessThanOrEqual(runMs)
        const list = bySensor.get(r.sensor_id) ?? []
        list.push(r)
        bySensor.set(r.sensor_id, list)
      }
    }

    expect(bySensor.size).toBe(10)
    for (const [sensor, readings] of bySensor) {
      readings.sort((a, b) => a.ts.localeCompare(b.ts))
      for (let i = 1; i < readings.length; i++) {
        const [a, b] = [readings[i - 1]!, readings[i]!]
        const where = `${sensor} ${a.ts} → ${b.ts}`
        expect(b.ts > a.ts, `${where}: one reading per moment`).toBe(true)
        // Small steps from one reading to the next, within a run and from one run to the next.
        expect(Math.abs(b.temperature - a.temperature), where).toBeLessThanOrEqual(0.5)
        expect(Math.abs(b.humidity - a.humidity), where).toBeLessThanOrEqual(1.5)
        expect(Math.abs(b.pressure - a.pressure), where).toBeLessThanOrEqual(0.6)
        expect(b.battery, where).toBeLessThanOrEqual(a.battery)
        expect([b.lat, b.lon]).toEqual([a.lat, a.lon])
      }
      // About an hour of readings: a battery that lasts years loses at most a rounding step.
      const first = readings[0]!
      const last = readings[readings.length - 1]!
      expect(first.battery - last.battery).toBeLessThanOrEqual(0.1)
      expect(last.battery).toBeGreaterThan(0)
      expect(first.battery).toBeLessThanOrEqual(100)
    }

    // The table holds each sensor's last reading: the state the next run goes on from.
    const table = openTables(p.runtime.engine.state, { sensors: { partitionKey: 'sensor_id' } }).get(
      'sensors',
    )!
    for (const [sensor, readings] of bySensor)
      expect(table.get({ sensor_id: sensor })).toEqual(readings[readings.length - 1])
  })
})
