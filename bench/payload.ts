// 1 KiB "sensor-like" JSON records in the high-entropy form of perf-baselines: 24 random floats
// and random-letter padding, so nothing downstream can compress or dedupe them away.
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'

export const RECORD_BYTES = 1024
export const RECORDS_PER_CALL = 500

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

function randomLetters(n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += LETTERS[Math.floor(Math.random() * LETTERS.length)]
  return s
}

/** One record of exactly RECORD_BYTES bytes of JSON. */
export function sensorRecord(seq: number): Uint8Array {
  const body = {
    deviceId: `sensor-${Math.floor(Math.random() * 10_000)}`,
    seq,
    ts: new Date().toISOString(),
    site: randomLetters(8),
    readings: Array.from({ length: 24 }, () => Math.random() * 1000 - 500),
    pad: '',
  }
  const bare = JSON.stringify(body).length
  body.pad = randomLetters(Math.max(0, RECORD_BYTES - bare))
  const bytes = Buffer.from(JSON.stringify(body))
  if (bytes.length !== RECORD_BYTES) throw new Error(`record is ${bytes.length} bytes`)
  return bytes
}

/**
 * Pre-built PutRecords batches (random partition keys, so several shards all receive writes),
 * made once so the measured loop spends no time generating data.
 */
export function buildBatches(count: number): PutRecordsRequestEntry[][] {
  let seq = 0
  return Array.from({ length: count }, () =>
    Array.from({ length: RECORDS_PER_CALL }, () => ({
      Data: sensorRecord(seq++),
      PartitionKey: `pk-${Math.floor(Math.random() * 1e9)}`,
    })),
  )
}
