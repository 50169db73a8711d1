import type { ScheduledEvent } from 'aws-lambda'
import { bucket, stream, table } from 'tributary-pipeline/bindings'

/** One reading, as the seed's sensor table defines the item. */
export interface SensorReading extends Record<string, unknown> {
  sensor_id: string
  /** ISO 8601, UTC. */
  ts: string
  /** °C */
  temperature: number
  /** % relative humidity */
  humidity: number
  /** hPa */
  pressure: number
  /** % */
  battery: number
  lat: number
  lon: number
}

/** Constant schedule input: a reproducible run. */
export interface GenerateInput {
  /** Sensors reporting (default 10). */
  sensors?: number
  /** Readings per sensor and run, spread over the minute (default 6: one every 10 s). */
  readings?: number
  seed?: number
  /** Time of the run's first reading (ISO); defaults to the scheduled event's time, else now. */
  time?: string
}

/** The object whose presence breaks the generator (`<dataDir>/lake/control/break-generator`). */
export const BREAK_FLAG = { bucket: 'control', key: 'break-generator' } as const

/** mulberry32: a small seeded PRNG, so a seed gives the same readings every time. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

export const sensorId = (i: number) => `sensor-${String(i + 1).padStart(3, '0')}`

/**
 * A run's readings, sensor by sensor in time order. Each sensor keeps its place (a fixed spot
 * around Berlin, from its number alone) and drifts a little from reading to reading.
 */
export function generateReadings(
  sensors: number,
  readings: number,
  seed: number,
  baseMs: number,
): SensorReading[] {
  const next = random(seed)
  const out: SensorReading[] = []
  const stepMs = Math.floor(60_000 / readings)
  for (let s = 0; s < sensors; s++) {
    const place = random(1_000 + s)
    const lat = round(52.52 + (place() - 0.5) * 0.2, 5)
    const lon = round(13.405 + (place() - 0.5) * 0.3, 5)
    let temperature = 15 + next() * 15
    let humidity = 30 + next() * 50
    let pressure = 995 + next() * 30
    let battery = 20 + next() * 80
    for (let r = 0; r < readings; r++) {
      temperature += (next() - 0.5) * 0.4
      humidity = Math.min(100, Math.max(0, humidity + (next() - 0.5) * 2))
      pressure += (next() - 0.5) * 0.6
      battery = Math.max(0, battery - next() * 0.05)
      out.push({
        sensor_id: sensorId(s),
        ts: new Date(baseMs + r * stepMs).toISOString(),
        temperature: round(temperature, 2),
        humidity: round(humidity, 1),
        pressure: round(pressure, 1),
        battery: round(battery, 1),
        lat,
        lon,
      })
    }
  }
  return out
}

/** Broken by `GENERATOR_FAIL=1` at start, or while running by the flag object in the control bucket. */
async function broken(): Promise<string | undefined> {
  if (process.env.GENERATOR_FAIL === '1') return 'GENERATOR_FAIL=1'
  try {
    await bucket(BREAK_FLAG.bucket).head(BREAK_FLAG.key)
    return `flag ${BREAK_FLAG.bucket}/${BREAK_FLAG.key} is set`
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined
    throw error
  }
}

/**
 * The seed's streaming data generator, run every minute: a batch of readings per sensor, each
 * put on the `sensors` stream (keyed by sensor, so a sensor's readings stay in order), and the
 * latest reading of each sensor in the `sensors` table. Throws when broken, which is what the
 * seed's alerting is about: the failed invocation goes to the `generator-failures` queue.
 */
export const handler = async (event: ScheduledEvent | GenerateInput) => {
  const why = await broken()
  if (why) throw new Error(`generator broken: ${why}`)
  const input: GenerateInput = 'detail-type' in event ? { time: event.time } : (event ?? {})
  const sensors = Math.min(500, Math.max(1, input.sensors ?? 10))
  const perSensor = Math.min(60, Math.max(1, input.readings ?? 6))
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const baseMs = input.time ? Date.parse(input.time) : Date.now()
  const readings = generateReadings(sensors, perSensor, seed, baseMs)
  const out = stream(process.env.STREAM_NAME ?? 'sensors')
  let failed = 0
  for (let i = 0; i < readings.length; i += 500) {
    const chunk = readings
      .slice(i, i + 500)
      .map((r) => ({ data: JSON.stringify(r), partitionKey: r.sensor_id }))
    failed += (await out.putMany(chunk)).failedRecordCount
  }
  const latest = table<SensorReading>(process.env.TABLE_NAME ?? 'sensors')
  for (let s = 0; s < sensors; s++) await latest.put(readings[(s + 1) * perSensor - 1]!)
  console.log(
    `put ${readings.length - failed} readings from ${sensors} sensors (${failed} failed), seed ${seed}`,
  )
  if (failed > 0) throw new Error(`${failed} of ${readings.length} readings were not accepted by the stream`)
  return { put: readings.length, sensors, seed }
}
