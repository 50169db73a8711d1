import { randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { stream } from 'tributary-pipeline/bindings'

interface ProduceEvent {
  /** Put this many events at once and return (tests, and the schedule's constant input). */
  count?: number
}

const streamName = () => process.env.STREAM_NAME ?? 'TelemetricsStream'

function telemetry() {
  const data = { id: randomUUID(), latitude: Math.random() * 180 - 90, longitude: Math.random() * 180 }
  // The seed used one partition key for everything; spreading by id uses every shard.
  return { data, partitionKey: data.id }
}

/**
 * The seed's produceKinesisEvents: without `count`, it streams one event at a time with a random
 * pause (as the seed's `while True` loop did) until its timeout is near; the schedule starts it
 * again every minute, so events flow continuously. With `count`, it puts that many and returns.
 */
export const handler = async (event: ProduceEvent, context: Context) => {
  if (event?.count !== undefined) {
    const count = Math.min(500, Math.max(1, event.count))
    const result = await stream(streamName()).putMany(Array.from({ length: count }, telemetry))
    console.log(
      `put ${count - result.failedRecordCount} telemetry events (${result.failedRecordCount} failed)`,
    )
    return { put: count - result.failedRecordCount }
  }
  let put = 0
  while (context.getRemainingTimeInMillis() > 2_000) {
    const { data, partitionKey } = telemetry()
    await stream(streamName()).put(data, { partitionKey })
    put++
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000))
  }
  console.log(`streamed ${put} telemetry events`)
  return { put }
}
