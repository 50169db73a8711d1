import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EncodeRequestError,
  encodeSync,
  MALFORMED_DATA,
  PARSE_ERROR,
  parseTimestamp,
} from '../../../src/delivery/encoders/index.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { ndjsonRequest, parquetRequest, reading } from './helpers.ts'

let duck: DuckDBInstance
let sql: (query: string) => Promise<{ rows: Record<string, unknown>[]; types: Record<string, string> }>

beforeAll(async () => {
  duck = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' })
  const connection = await duck.connect()
  sql = async (query) => {
    const reader = await connection.runAndReadAll(query)
    const types = Object.fromEntries(
      reader.columnNames().map((n, i) => [n, reader.columnTypes()[i]!.toString()]),
    )
    return { rows: reader.getRowObjectsJS(), types }
  }
})
afterAll(() => duck.closeSync())

async function writeOut(name: string, body: Buffer): Promise<string> {
  const path = join(await tempDir(), name)
  await writeFile(path, body)
  return path
}

describe('encodeSync: Parquet', () => {
  it('writes typed columns DuckDB reads back (keys matched case-insensitively)', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => reading(i))
    const result = encodeSync(parquetRequest(records))
    expect(result).toMatchObject({
      extension: '.parquet',
      contentType: 'application/octet-stream',
      failures: [],
    })
    const path = await writeOut('part.parquet', result.body)

    const { rows, types } = await sql(`SELECT * FROM read_parquet('${path}') ORDER BY battery`)
    expect(types).toEqual({
      sensorid: 'VARCHAR',
      ts: 'TIMESTAMP',
      temperature: 'DOUBLE',
      humidity: 'INTEGER',
      battery: 'BIGINT',
      online: 'BOOLEAN',
    })
    expect(rows).toHaveLength(1000)
    expect(rows[7]).toEqual({
      sensorid: 'sensor-0',
      ts: new Date('2024-01-01T00:00:07.000Z'),
      temperature: 21.75,
      humidity: 47,
      battery: 1_000_007n,
      online: true,
    })
  })

  it('is byte-identical for the same request', () => {
    const records = Array.from({ length: 300 }, (_, i) => reading(i))
    expect(encodeSync(parquetRequest(records)).body.equals(encodeSync(parquetRequest(records)).body)).toBe(
      true,
    )
  })

  it('writes missing and null fields as NULL and ignores fields outside the schema', async () => {
    const records = [
      Buffer.from('{"sensorId":"a","extra":1}'),
      Buffer.from('{"SENSORID":null,"Humidity":"12"}'),
    ]
    const path = await writeOut('nulls.parquet', encodeSync(parquetRequest(records)).body)
    const { rows } = await sql(`SELECT sensorid, humidity, ts FROM read_parquet('${path}')`)
    expect(rows).toEqual([
      { sensorid: 'a', humidity: null, ts: null },
      { sensorid: null, humidity: 12, ts: null },
    ])
  })

  it('reports records it cannot convert, with Firehose error codes, and leaves them out', async () => {
    const records = [
      reading(0),
      Buffer.from('{"sensorId": '),
      Buffer.from('[1,2]'),
      reading(3, { humidity: 'very' }),
      reading(4, { humidity: 2 ** 40 }),
      reading(5, { ts: 'yesterday' }),
      reading(6),
    ]
    const result = encodeSync(parquetRequest(records))
    expect(result.failures.map((f) => [f.index, f.reason.split(':')[0]])).toEqual([
      [1, PARSE_ERROR],
      [2, PARSE_ERROR],
      [3, MALFORMED_DATA],
      [4, MALFORMED_DATA],
      [5, MALFORMED_DATA],
    ])
    expect(result.failures[2]!.reason).toMatchInlineSnapshot(
      `"DataFormatConversion.MalformedData: column "humidity": cannot convert "very" to int"`,
    )
    const path = await writeOut('partial.parquet', result.body)
    const { rows } = await sql(`SELECT battery FROM read_parquet('${path}') ORDER BY 1`)
    expect(rows).toEqual([{ battery: 1_000_000n }, { battery: 1_000_006n }])
  })

  it('writes the same file from column values converted in chunks (stage, columnData)', () => {
    const records = Array.from({ length: 300 }, (_, i) => (i === 150 ? Buffer.from('nope') : reading(i)))
    const whole = encodeSync(parquetRequest(records))
    const first = encodeSync({ ...parquetRequest(records.slice(0, 100)), stage: 'columns' })
    const second = encodeSync({ ...parquetRequest(records.slice(100, 200)), stage: 'columns' })
    expect([first.body.length, first.failures, second.failures.map((f) => f.index)]).toEqual([0, [], [50]])
    const last = encodeSync({
      ...parquetRequest(records.slice(200)),
      columnData: [first.columnData!, structuredClone(second.columnData!)],
    })
    expect(last.body.equals(whole.body)).toBe(true)
    expect(() => encodeSync(ndjsonRequest({ stage: 'columns' }))).toThrow(EncodeRequestError)
  })

  it('returns an empty body when no record converts', () => {
    const result = encodeSync(parquetRequest([Buffer.from('nope'), Buffer.from('42')]))
    expect(result.body.length).toBe(0)
    expect(result.failures).toHaveLength(2)
  })

  it('writes decimals exactly, dates, floats, small ints and binary', async () => {
    const columns = [
      { name: 'price', type: 'decimal(10,2)' },
      { name: 'small', type: 'decimal(5,3)' },
      { name: 'huge', type: 'decimal(30,4)' },
      { name: 'day', type: 'date' },
      { name: 'ratio', type: 'float' },
      { name: 'level', type: 'tinyint' },
      { name: 'blob', type: 'binary' },
      { name: 'note', type: 'varchar(20)' },
    ]
    const record = {
      price: 1234.565,
      small: '-1.2345',
      huge: '12345678901234567890.1234',
      day: '2024-02-29',
      ratio: 0.5,
      level: '-7',
      blob: Buffer.from('hi').toString('base64'),
      note: { nested: true },
    }
    const result = encodeSync(parquetRequest([Buffer.from(JSON.stringify(record))], columns))
    expect(result.failures).toEqual([])
    const path = await writeOut('types.parquet', result.body)
    const { rows, types } = await sql(
      `SELECT price::VARCHAR p, small::VARCHAR s, huge::VARCHAR h, day::VARCHAR d, ratio, level, blob, note, typeof(price) tp, typeof(day) td FROM read_parquet('${path}')`,
    )
    expect(types.ratio).toBe('FLOAT')
    expect(types.level).toBe('TINYINT')
    expect(rows[0]).toMatchObject({
      p: '1234.57',
      s: '-1.235',
      h: '12345678901234567890.1234',
      d: '2024-02-29',
      ratio: 0.5,
      level: -7,
      note: '{"nested":true}',
      tp: 'DECIMAL(10,2)',
      td: 'DATE',
    })
    expect(Buffer.from(rows[0]!.blob as Uint8Array).toString()).toBe('hi')
  })

  it.each([
    ['2024-01-02T03:04:05.678Z', Date.UTC(2024, 0, 2, 3, 4, 5, 678)],
    ['2024-01-02 03:04:05.678912', Date.UTC(2024, 0, 2, 3, 4, 5, 678)],
    ['2024-01-02T03:04:05+02:00', Date.UTC(2024, 0, 2, 1, 4, 5)],
    ['2024-01-02', Date.UTC(2024, 0, 2)],
    [1_704_164_645, Date.UTC(2024, 0, 2, 3, 4, 5)],
    [1_704_164_645.25, Date.UTC(2024, 0, 2, 3, 4, 5, 250)],
    [1_704_164_645_123, Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
    ['1704164645123', Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
    ['2024-02-30', undefined],
    ['not a time', undefined],
    [true, undefined],
  ])('parses timestamp %j', (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected)
  })

  it.each([
    [{ compression: 'GZIP' as const, columns: [{ name: 'a', type: 'int' }] }, /cannot apply to Parquet/],
    [{ columns: undefined }, /needs the catalog table columns/],
    [{ columns: [{ name: 'tags', type: 'array<string>' }] }, /nested type array<string> is not supported/],
    [{ columns: [{ name: 'x', type: 'geometry' }] }, /unknown Glue type geometry/],
    [
      {
        columns: [
          { name: 'a', type: 'int' },
          { name: 'A', type: 'string' },
        ],
      },
      /duplicate column/,
    ],
  ])('rejects an invalid request %#', (overrides, message) => {
    const request = { ...parquetRequest([reading(0)]), ...overrides }
    expect(() => encodeSync(request)).toThrow(EncodeRequestError)
    expect(() => encodeSync(request)).toThrow(message)
  })
})

describe('DuckDB reads NDJSON output', () => {
  it('reads a .json.gz file with every record', async () => {
    const records = Array.from({ length: 500 }, (_, i) => reading(i))
    const result = encodeSync(ndjsonRequest({ records, compression: 'GZIP' }))
    const path = await writeOut(`part${result.extension}`, result.body)
    const { rows, types } = await sql(
      `SELECT count(*) n, sum(humidity) h, max(battery) b FROM read_json('${path}', format = 'newline_delimited')`,
    )
    expect(rows).toEqual([
      { n: 500n, h: BigInt(records.reduce((a, _, i) => a + 40 + (i % 30), 0)), b: 1_000_499n },
    ])
    expect(types.b).toBe('BIGINT')
  })
})
