import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer'
import type { CatalogTable } from '../../src/query/views.ts'

/** A sensor reading as the lake's NDJSON files hold it. */
export interface Reading {
  id: number
  sensor: string
  value: number
  at: string
  price: number
}

export function reading(id: number, overrides: Partial<Reading> = {}): Reading {
  return {
    id,
    sensor: `s-${id % 3}`,
    value: id * 1.5,
    at: new Date(Date.UTC(2026, 10, 23, 10, 0, id)).toISOString(),
    price: id + 0.25,
    ...overrides,
  }
}

async function put(dataDir: string, bucket: string, key: string, body: Buffer): Promise<void> {
  const file = join(dataDir, 'lake', bucket, key)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, body)
}

/** Writes records as gzip NDJSON (what a GZIP delivery writes) at `lake/<bucket>/<key>`. */
export async function putNdjsonGz(dataDir: string, bucket: string, key: string, records: object[]) {
  await put(dataDir, bucket, key, gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join('')))
}

/** Writes a Parquet file at `lake/<bucket>/<key>`. */
export async function putParquet(dataDir: string, bucket: string, key: string, columns: ColumnSource[]) {
  await put(dataDir, bucket, key, Buffer.from(parquetWriteBuffer({ columnData: columns })))
}

/** The catalog the tests query: NDJSON readings partitioned by day, Parquet partitioned by date. */
export const catalog = {
  readings: {
    bucket: 'raw',
    prefix: 'readings/',
    format: 'json',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'sensor', type: 'string' },
      { name: 'value', type: 'double' },
      { name: 'at', type: 'timestamp' },
      { name: 'price', type: 'decimal(10,2)' },
    ],
    partitionKeys: [
      { name: 'year', type: 'int' },
      { name: 'month', type: 'int' },
      { name: 'day', type: 'int' },
    ],
  },
  trips: {
    bucket: 'curated',
    prefix: 'trips',
    format: 'parquet',
    columns: [
      { name: 'trip', type: 'string' },
      { name: 'km', type: 'double' },
      { name: 'passengers', type: 'int' },
    ],
    partitionKeys: [{ name: 'dt', type: 'date' }],
  },
  alerts: {
    bucket: 'curated',
    prefix: 'alerts/',
    format: 'parquet',
    columns: [
      { name: 'alert', type: 'string' },
      { name: 'raised', type: 'timestamp' },
      { name: 'level', type: 'int' },
    ],
    partitionKeys: [{ name: 'dt', type: 'date' }],
  },
} satisfies Record<string, CatalogTable>

/** Readings 1-4 on 2026-11-23, 5-6 on 2026-11-24; trips on two dates; no alerts. */
export async function writeLake(dataDir: string): Promise<void> {
  const day = (d: number) => `readings/year=2026/month=11/day=${d}`
  await putNdjsonGz(dataDir, 'raw', `${day(23)}/a.json.gz`, [reading(1), reading(2), reading(3)])
  await putNdjsonGz(dataDir, 'raw', `${day(23)}/b.json.gz`, [reading(4)])
  await putNdjsonGz(dataDir, 'raw', `${day(24)}/c.json.gz`, [
    reading(5),
    reading(6, { sensor: 'x,"quoted"' }),
  ])
  // A temporary file a writer has not renamed yet: never read.
  await putNdjsonGz(dataDir, 'raw', `${day(24)}/.c2.json.gz.tmp-123.json.gz`, [reading(99)])
  await putParquet(dataDir, 'curated', 'trips/dt=2026-11-23/part-0.parquet', [
    { name: 'trip', data: ['t1', 't2'], type: 'STRING' },
    { name: 'km', data: [3.5, 10], type: 'DOUBLE' },
    { name: 'passengers', data: [1, 2], type: 'INT32' },
  ])
  await putParquet(dataDir, 'curated', 'trips/dt=2026-11-24/part-0.parquet', [
    { name: 'trip', data: ['t3'], type: 'STRING' },
    { name: 'km', data: [1.25], type: 'DOUBLE' },
    { name: 'passengers', data: [4], type: 'INT32' },
  ])
}
