import type { ScheduledEvent } from 'aws-lambda'
import { type GeneratedTrip, KinesisProducer, taxiTrips } from 'tributary-pipeline/producer'

/** Constant schedule input: a reproducible batch. */
export interface ProduceInput {
  /** Trips per run (1–100,000; default 1,000). */
  count?: number
  /** Default: a new random seed each run. */
  seed?: number
  /** When the batch is sent (ISO); default the scheduled event's time, else now. */
  time?: string
  /** The trips' records are spread over this many seconds before `time` (default 60). */
  spanSeconds?: number
}

/**
 * The batch a run sends: `count` records spread evenly over the `spanSeconds` before `time`, each
 * a trip that ended up to 5 s before its record was sent (so out of order by up to 5 s).
 */
export function tripBatch(input: Required<Omit<ProduceInput, 'time'>> & { time: number }): GeneratedTrip[] {
  const next = taxiTrips({ seed: input.seed })
  const span = input.spanSeconds * 1000
  return Array.from({ length: input.count }, (_, i) =>
    next(input.time - span + Math.floor(((i + 1) * span) / input.count)),
  )
}

/**
 * The seed's KPL producer: trips through `KinesisProducer` with aggregation, the trip id as
 * partition key. The client reaches Tributary through `AWS_ENDPOINT_URL` (set for every function
 * by `tributary dev`), AWS when deployed.
 */
export const handler = async (event: ScheduledEvent | ProduceInput) => {
  const input: ProduceInput = event && 'detail-type' in event ? { time: event.time } : (event ?? {})
  const count = Math.min(100_000, Math.max(1, input.count ?? 1_000))
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const time = input.time ? Date.parse(input.time) : Date.now()
  const batch = tripBatch({ count, seed, time, spanSeconds: input.spanSeconds ?? 60 })

  const producer = new KinesisProducer({
    streamName: process.env.STREAM_NAME ?? 'trips',
    aggregationEnabled: true,
  })
  const failures = new Map<string, number>()
  try {
    for (const { trip } of batch) {
      const { result } = await producer.put({ partitionKey: trip.trip_id, data: JSON.stringify(trip) })
      void result.then((r) => {
        if (!r.successful) failures.set(r.errorCode, (failures.get(r.errorCode) ?? 0) + 1)
      })
    }
    await producer.flush()
  } finally {
    await producer.close()
  }
  const metrics = producer.metrics()
  const failed = [...failures.values()].reduce((a, b) => a + b, 0)
  const line = `put ${count - failed} trips in ${metrics.KinesisRecordsPut} aggregated records, seed ${seed}`
  if (failed > 0) console.error(`${line}; ${failed} failed: ${[...failures.keys()].join(', ')}`)
  else console.log(line)
  return { put: count - failed, failed, seed, kinesisRecords: metrics.KinesisRecordsPut }
}
