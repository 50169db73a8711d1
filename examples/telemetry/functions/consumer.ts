import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda'
import { table } from 'tributary-pipeline/bindings'

interface Telemetry {
  id: string
  latitude: number
  longitude: number
}

function decode(data: string): Telemetry {
  const value = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Telemetry
  if (
    typeof value.id !== 'string' ||
    !(Math.abs(value.latitude) <= 90) ||
    !(value.longitude >= -180 && value.longitude <= 180)
  ) {
    throw new Error(`not a telemetry event: ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Decodes each record, counts events per hemisphere in the `telemetry-stats` table, and reports
 * records it cannot read as batch item failures (retried, then reported to the failure queue).
 */
export const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const counts = new Map<string, number>()
  const batchItemFailures: { itemIdentifier: string }[] = []
  for (const record of event.Records) {
    try {
      const t = decode(record.kinesis.data)
      const hemisphere = t.latitude >= 0 ? 'north' : 'south'
      counts.set(hemisphere, (counts.get(hemisphere) ?? 0) + 1)
    } catch (error) {
      console.warn(`${record.kinesis.sequenceNumber}: ${(error as Error).message}`)
      batchItemFailures.push({ itemIdentifier: record.kinesis.sequenceNumber })
    }
  }
  const stats = table<{ hemisphere: string; events: number }>('telemetry-stats')
  for (const [hemisphere, n] of counts) await stats.update({ hemisphere }, { add: { events: n } })
  return { batchItemFailures }
}
