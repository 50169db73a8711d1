import type { KinesisStreamEvent } from 'aws-lambda'
import { bucket } from 'tributary-pipeline/bindings'

/** What producers put on the `events` stream: JSON with at least a `type`. */
export interface Event {
  type: string
  [field: string]: unknown
}

function decode(data: string): Event | undefined {
  try {
    const value = JSON.parse(Buffer.from(data, 'base64').toString('utf8'))
    return typeof value?.type === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * A plain AWS Lambda handler for a Kinesis event source mapping. Each event becomes the object
 * `events/<type>/<sequence number>.json` of the `processed` bucket: named by its record, so a
 * retried batch overwrites what it wrote before instead of duplicating it. Records that are not
 * events are logged and skipped (retrying them would never succeed).
 */
export const handler = async (event: KinesisStreamEvent): Promise<void> => {
  const processed = bucket('processed')
  for (const record of event.Records) {
    const { data, sequenceNumber, approximateArrivalTimestamp } = record.kinesis
    const decoded = decode(data)
    if (!decoded) {
      console.warn(`skipped record ${sequenceNumber}: not JSON with a string "type"`)
      continue
    }
    await processed.put(`events/${encodeURIComponent(decoded.type)}/${sequenceNumber}.json`, {
      ...decoded,
      arrivedAt: new Date(approximateArrivalTimestamp * 1000).toISOString(),
    })
  }
}
