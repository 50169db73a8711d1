import type { EncodeRequest } from '../../../src/delivery/types.ts'

/** A sensor reading as a producer would send it. */
export function reading(i: number, overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      sensorId: `sensor-${i % 7}`,
      ts: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      temperature: 20 + i / 4,
      humidity: 40 + (i % 30),
      battery: 1_000_000 + i,
      online: i % 3 !== 0,
      ...overrides,
    }),
  )
}

export const SENSOR_COLUMNS = [
  { name: 'sensorid', type: 'string' },
  { name: 'ts', type: 'timestamp' },
  { name: 'temperature', type: 'double' },
  { name: 'humidity', type: 'int' },
  { name: 'battery', type: 'bigint' },
  { name: 'online', type: 'boolean' },
]

export function ndjsonRequest(overrides: Partial<EncodeRequest> = {}): EncodeRequest {
  return {
    format: 'ndjson',
    records: Array.from({ length: 200 }, (_, i) => reading(i)),
    appendNewline: true,
    compression: 'UNCOMPRESSED',
    fileTimeMs: Date.UTC(2024, 4, 17, 13, 45, 30),
    ...overrides,
  }
}

export function parquetRequest(records: Buffer[], columns = SENSOR_COLUMNS): EncodeRequest {
  return {
    format: 'parquet',
    records,
    columns,
    appendNewline: false,
    compression: 'UNCOMPRESSED',
    fileTimeMs: 0,
  }
}
