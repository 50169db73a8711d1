import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { CatalogTableError, type LakeQuery, LakeQueryError, openLakeQuery } from '../../src/query/index.ts'
import type { CatalogTable } from '../../src/query/views.ts'
import { tempDir } from '../helpers/tmp.ts'
import { catalog, putParquet, reading, writeLake } from './lake-fixture.ts'

async function open(dataDir: string, tables: Record<string, CatalogTable> = catalog): Promise<LakeQuery> {
  const lake = await openLakeQuery({ dataDir, catalog: tables })
  onTestFinished(() => lake.close())
  return lake
}

async function lakeWithData(): Promise<{ dataDir: string; lake: LakeQuery }> {
  const dataDir = await tempDir()
  await writeLake(dataDir)
  return { dataDir, lake: await open(dataDir) }
}

describe('openLakeQuery: catalog tables as views', () => {
  it('counts and sums NDJSON.gz records across hive partitions, skipping dot files', async () => {
    const { lake } = await lakeWithData()
    const result = await lake.query(
      'SELECT count(*) AS n, sum(value) AS total, sum(price) AS paid FROM readings',
    )
    expect(result.rows).toEqual([[6, 31.5, 22.5]])
    expect(result.columns.map((c) => c.name)).toEqual(['n', 'total', 'paid'])
  })

  it('reads partition keys from key=value directories with their declared types', async () => {
    const { lake } = await lakeWithData()
    const result = await lake.query('SELECT day, count(*) AS n FROM readings WHERE day = 23 GROUP BY day')
    expect(result.rows).toEqual([[23, 4]])
    const trips = await lake.query(
      "SELECT dt, sum(km) AS km FROM trips WHERE dt >= DATE '2026-11-24' GROUP BY dt",
    )
    expect(trips.rows).toEqual([['2026-11-24', 1.25]])
  })

  it('gives every column its catalog type, then the partition keys', async () => {
    const { lake } = await lakeWithData()
    const readings = await lake.query('SELECT * FROM readings ORDER BY id LIMIT 1')
    expect(readings.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'sensor', type: 'VARCHAR' },
      { name: 'value', type: 'DOUBLE' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'year', type: 'INTEGER' },
      { name: 'month', type: 'INTEGER' },
      { name: 'day', type: 'INTEGER' },
    ])
    expect(readings.rows).toEqual([[1, 's-1', 1.5, '2026-11-23T10:00:01.000Z', 1.25, 2026, 11, 23]])
    const trips = await lake.query('SELECT * FROM trips ORDER BY trip')
    expect(trips.columns.map((c) => c.type)).toEqual(['VARCHAR', 'DOUBLE', 'INTEGER', 'DATE'])
    expect(trips.rows).toEqual([
      ['t1', 3.5, 1, '2026-11-23'],
      ['t2', 10, 2, '2026-11-23'],
      ['t3', 1.25, 4, '2026-11-24'],
    ])
  })

  it('serves a table without files as an empty view with its columns, and sees files written later', async () => {
    const { dataDir, lake } = await lakeWithData()
    const empty = await lake.query('SELECT * FROM alerts')
    expect(empty).toEqual({
      columns: [
        { name: 'alert', type: 'VARCHAR' },
        { name: 'raised', type: 'TIMESTAMP' },
        { name: 'level', type: 'INTEGER' },
        { name: 'dt', type: 'DATE' },
      ],
      rows: [],
      rowCount: 0,
      truncated: false,
    })
    expect((await lake.query('SELECT count(*), max(level) FROM alerts')).rows).toEqual([[0, null]])

    await putParquet(dataDir, 'curated', 'alerts/dt=2026-11-25/part-0.parquet', [
      { name: 'alert', data: ['hot'], type: 'STRING' },
      { name: 'raised', data: [new Date('2026-11-25T08:30:00.250Z')], type: 'TIMESTAMP' },
      { name: 'level', data: [3], type: 'INT32' },
    ])
    expect((await lake.query('SELECT * FROM alerts')).rows).toEqual([
      ['hot', '2026-11-25T08:30:00.250Z', 3, '2026-11-25'],
    ])
  })

  it('reads plain .json files next to gzip ones', async () => {
    const { dataDir, lake } = await lakeWithData()
    const file = join(dataDir, 'lake/raw/readings/year=2026/month=11/day=25/d.json')
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify(reading(7))}\n`)
    expect((await lake.query('SELECT day, id FROM readings WHERE day = 25')).rows).toEqual([[25, 7]])
    expect((await lake.query('SELECT count(*) FROM readings')).rows).toEqual([[7]])
  })

  it('works with a data dir that does not exist yet', async () => {
    const dataDir = `${await tempDir()}/never-created`
    const lake = await open(dataDir)
    expect((await lake.query('SELECT count(*) FROM readings')).rows).toEqual([[0]])
  })

  it('resolves relative paths in SQL against the data dir', async () => {
    const { lake } = await lakeWithData()
    const result = await lake.query(
      "SELECT count(*) FROM read_json_auto('lake/raw/readings/**/[!.]*.json.gz', hive_partitioning = true) WHERE day = 24",
    )
    expect(result.rows).toEqual([[2]])
  })

  it('binds positional and named parameters', async () => {
    const { lake } = await lakeWithData()
    expect(
      (await lake.query('SELECT id FROM readings WHERE day = ? AND id > ? ORDER BY id', [23, 2])).rows,
    ).toEqual([[3], [4]])
    expect((await lake.query('SELECT count(*) FROM readings WHERE sensor = $s', { s: 's-1' })).rows).toEqual([
      [2],
    ])
  })

  it('stops reading at maxRows and says more were there', async () => {
    const { lake } = await lakeWithData()
    const result = await lake.query('SELECT * FROM range(5000)', undefined, { maxRows: 3 })
    expect(result.rows).toEqual([[0], [1], [2]])
    expect(result).toMatchObject({ rowCount: 3, truncated: true })
    expect(await lake.query('SELECT 1', undefined, { maxRows: 1 })).toMatchObject({
      rowCount: 1,
      truncated: false,
    })
  })
})

describe('openLakeQuery: values', () => {
  it.each([
    ['small BIGINT', 'SELECT 42::BIGINT', 42],
    ['BIGINT beyond 2^53', 'SELECT 9007199254740993::BIGINT', '9007199254740993'],
    [
      'HUGEINT',
      'SELECT 170141183460469231731687303715884105727::HUGEINT',
      '170141183460469231731687303715884105727',
    ],
    ['DECIMAL', 'SELECT 12.50::DECIMAL(10,2)', 12.5],
    ['wide DECIMAL', 'SELECT 1234567890123456.78::DECIMAL(38,2)', '1234567890123456.78'],
    ['TIMESTAMP', "SELECT TIMESTAMP '2026-11-23 10:00:00.123456'", '2026-11-23T10:00:00.123456Z'],
    ['TIMESTAMPTZ', "SELECT TIMESTAMPTZ '2026-11-23 12:00:00+02'", '2026-11-23T10:00:00.000Z'],
    ['TIMESTAMP_MS', "SELECT TIMESTAMP_MS '2026-11-23 10:00:00.5'", '2026-11-23T10:00:00.500Z'],
    ['infinite TIMESTAMP', "SELECT 'infinity'::TIMESTAMP", 'infinity'],
    ['DATE', "SELECT DATE '2026-11-23'", '2026-11-23'],
    ['TIME', "SELECT TIME '10:00:01'", '10:00:01'],
    ['BLOB', "SELECT 'hi'::BLOB", 'aGk='],
    ['LIST', 'SELECT [1, 2]', [1, 2]],
    ['STRUCT', "SELECT {'a': 1, 'b': 'x'}", { a: 1, b: 'x' }],
    ['MAP', "SELECT MAP {'k': 2}", { k: 2 }],
    ['NULL', 'SELECT NULL', null],
    ['BOOLEAN', 'SELECT true', true],
  ])('%s', async (_, sql, expected) => {
    const lake = await open(await tempDir(), {})
    expect((await lake.query(sql)).rows).toEqual([[expected]])
  })
})

describe('openLakeQuery: errors and safety', () => {
  it('throws LakeQueryError with DuckDB first line as the message', async () => {
    const { lake } = await lakeWithData()
    const error = await lake.query('SELECT nope FROM readings').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LakeQueryError)
    expect((error as LakeQueryError).message).toMatchInlineSnapshot(
      `"Binder Error: Referenced column "nope" not found in FROM clause!"`,
    )
    const parse = await lake.query('SELEC 1').catch((e: unknown) => e)
    expect((parse as Error).message).toMatchInlineSnapshot(`"Parser Error: syntax error at or near "SELEC""`)
    // The engine keeps working after an error.
    expect((await lake.query('SELECT count(*) FROM readings')).rows).toEqual([[6]])
  })

  it('refuses a catalog column type it cannot map, naming the table and column', async () => {
    const dataDir = await tempDir()
    const bad = { t: { bucket: 'b', columns: [{ name: 'c', type: 'uuid' }] } }
    await expect(openLakeQuery({ dataDir, catalog: bad })).rejects.toThrow(CatalogTableError)
    await expect(openLakeQuery({ dataDir, catalog: bad })).rejects.toThrow(
      /^catalog\.t: column 'c' has type 'uuid': unknown type 'uuid'/,
    )
  })

  it('never downloads extensions', async () => {
    const lake = await open(await tempDir(), {})
    const error = (await lake.query('INSTALL spatial').catch((e: unknown) => e)) as LakeQueryError
    expect(error.message).toMatch(/Failed to install local extension "spatial"/)
    const remote = (await lake
      .query("SELECT * FROM 'https://example.com/x.parquet'")
      .catch((e: unknown) => e)) as Error
    expect(remote.message).toMatch(/requires the extension httpfs/)
  })

  it('refuses queries after close', async () => {
    const lake = await openLakeQuery({ dataDir: await tempDir() })
    await lake.close()
    await expect(lake.query('SELECT 1')).rejects.toThrow('the lake query engine is closed')
  })
})
