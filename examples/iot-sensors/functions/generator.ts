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
  /** Readings per sensor and run, spread over the minute before the run (default 6: every 10 s). */
  readings?: number
  seed?: number
  /** The run's time (ISO): its last reading; defaults to the scheduled event's time, else now. */
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
const DAY_MS = 86_400_000

export const sensorId = (i: number) => `sensor-${String(i + 1).padStart(3, '0')}`

/** What does not change for a sensor: its place, its usual climate, its battery's life. */
function profile(s: number) {
  const fixed = random(1_000 + s)
  return {
    lat: round(52.52 + (fixed() - 0.5) * 0.2, 5),
    lon: round(13.405 + (fixed() - 0.5) * 0.3, 5),
    temperature: 15 + fixed() * 15,
    humidity: 30 + fixed() * 50,
    pressure: 995 + fixed() * 30,
    // Fitted some time in 2025, lasting 3 to 5 years.
    batteryFittedMs: Date.UTC(2025, 0, 1) + fixed() * 365 * DAY_MS,
    batteryDrainPerDay: 100 / ((3 + fixed() * 2) * 365),
  }
}

/**
 * A battery's charge at a moment: a function of the sensor and the time alone, so it only ever
 * goes down, however runs are spaced, and without a state to keep at full precision.
 */
export function batteryAt(s: number, ms: number): number {
  return charge(profile(s), ms)
}

function charge(p: ReturnType<typeof profile>, ms: number): number {
  const days = Math.max(0, ms - p.batteryFittedMs) / DAY_MS
  return round(Math.max(0, 100 - days * p.batteryDrainPerDay), 1)
}

/**
 * A run's readings, sensor by sensor in time order: `readings` per sensor at even steps over the
 * minute that ends at `runMs` (the last reading is at `runMs`, none after it). Each sensor goes on
 * from `previous` (its last reading, as the `sensors` table keeps it), drifting a little per
 * reading and drawn back towards its usual climate; a sensor seen for the first time starts
 * there. Readings not later than the previous one are left out (a run repeated at one moment).
 */
export function generateReadings(
  sensors: number,
  readings: number,
  seed: number,
  runMs: number,
  previous: ReadonlyMap<string, SensorReading> = new Map(),
): SensorReading[] {
  const next = random(seed)
  const out: SensorReading[] = []
  const stepMs = Math.floor(60_000 / readings)
  for (let s = 0; s < sensors; s++) {
    const id = sensorId(s)
    const usual = profile(s)
    const last = previous.get(id)
    const lastMs = last ? Date.parse(last.ts) : Number.NEGATIVE_INFINITY
    let temperature = last?.temperature ?? usual.temperature
    let humidity = last?.humidity ?? usual.humidity
    let pressure = last?.pressure ?? usual.pressure
    for (let r = 0; r < readings; r++) {
      const ms = runMs - (readings - 1 - r) * stepMs
      if (ms <= lastMs) continue
      temperature += (next() - 0.5) * 0.4 + (usual.temperature - temperature) * 0.01
      humidity = Math.min(
        100,
        Math.max(0, humidity + (next() - 0.5) * 2 + (usual.humidity - humidity) * 0.01),
      )
      pressure += (next() - 0.5) * 0.6 + (usual.pressure - pressure) * 0.01
      out.push({
        sensor_id: id,
        ts: new Date(ms).toISOString(),
        temperature: round(temperature, 2),
        humidity: round(humidity, 1),
        pressure: round(pressure, 1),
        battery: charge(usual, ms),
        lat: usual.lat,
        lon: usual.lon,
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
  const runMs = input.time ? Date.parse(input.time) : Date.now()
  if (Number.isNaN(runMs)) throw new Error(`time '${input.time}' is not an ISO 8601 date`)
  // Where a Lambda keeps state between runs: each sensor's last reading, in the table.
  const latest = table<SensorReading>(process.env.TABLE_NAME ?? 'sensors')
  const previous = new Map<string, SensorReading>()
  for (const item of await Promise.all(
    Array.from({ length: sensors }, (_, s) => latest.get({ sensor_id: sensorId(s) })),
  ))
    if (item) previous.set(item.sensor_id, item)
  const readings = generateReadings(sensors, perSensor, seed, runMs, previous)
  const out = stream(process.env.STREAM_NAME ?? 'sensors')
  let failed = 0
  for (let i = 0; i < readings.length; i += 500) {
    const chunk = readings
      .slice(i, i + 500)
      .map((r) => ({ data: JSON.stringify(r), partitionKey: r.sensor_id }))
    failed += (await out.putMany(chunk)).failedRecordCount
  }
  const last = new Map(readings.map((r) => [r.sensor_id, r]))
  for (const reading of last.values()) await latest.put(reading)
  console.log(
    `put ${readings.length - failed} readings from ${sensors} sensors (${failed} failed), seed ${seed}`,
  )
  if (failed > 0) throw new Error(`${failed} of ${readings.length} readings were not accepted by the stream`)
  return { put: readings.length, sensors, seed }
}
