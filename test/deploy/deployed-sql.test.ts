/**
 * The connector options of Flink SQL, found with their offsets and rewritten for a deployment
 * (src/analytics/deployed-sql.ts): everything else in the text stays as written.
 */
import { describe, expect, it } from 'vitest'
import { applyEdits, sqlString, tablesWith } from '../../src/analytics/deployed-sql.ts'

const SQL = `-- the source
CREATE TABLE IF NOT EXISTS \`trips\` (zone STRING, ts TIMESTAMP(3))
WITH (
  'connector' = 'kinesis', -- where from
  'stream' = 'trips',
  'format' = 'json'
);
CREATE TEMPORARY TABLE out_docs (zone STRING) WITH ('connector' = 'elasticsearch-7',
  'hosts' = 'http://127.0.0.1:4567', 'connection.path-prefix' = '/_opensearch', 'index' = 'docs');
CREATE TABLE bare (x INT);
INSERT INTO out_docs SELECT zone FROM trips WHERE zone <> 'it''s';`

describe('tablesWith', () => {
  it("finds each CREATE TABLE's connector and options, with the offsets of their values", () => {
    const tables = tablesWith(SQL)
    expect(tables.map((t) => [t.table, t.connector, t.options.map((o) => [o.key, o.value])])).toEqual([
      [
        'trips',
        'kinesis',
        [
          ['connector', 'kinesis'],
          ['stream', 'trips'],
          ['format', 'json'],
        ],
      ],
      [
        'out_docs',
        'elasticsearch-7',
        [
          ['connector', 'elasticsearch-7'],
          ['hosts', 'http://127.0.0.1:4567'],
          ['connection.path-prefix', '/_opensearch'],
          ['index', 'docs'],
        ],
      ],
    ])
    const stream = tables[0]!.options[1]!
    expect(SQL.slice(stream.valueAt.start, stream.valueAt.end)).toBe("'trips'")
    expect(SQL.slice(0, tables[0]!.appendAt).endsWith("'format' = 'json'")).toBe(true)
  })
})

describe('applyEdits', () => {
  it('replaces values, adds an option before the closing parenthesis and removes a pair, leaving the rest as written', () => {
    const [trips, docs] = tablesWith(SQL)
    const stream = trips!.options.find((o) => o.key === 'stream')!
    const hosts = docs!.options.find((o) => o.key === 'hosts')!
    const prefix = docs!.options.find((o) => o.key === 'connection.path-prefix')!
    const out = applyEdits(SQL, [
      { ...prefix.pairAt, text: '' },
      { ...stream.valueAt, text: sqlString('tributary-x-streamtrips-1A2B') },
      { start: trips!.appendAt, end: trips!.appendAt, text: `, 'aws.region' = ${sqlString('eu-west-1')}` },
      { ...hosts.valueAt, text: sqlString('https://search-x.eu-west-1.es.amazonaws.com:443') },
    ])
    expect(out).toBe(
      SQL.replace("'stream' = 'trips'", "'stream' = 'tributary-x-streamtrips-1A2B'")
        .replace("'format' = 'json'\n)", "'format' = 'json', 'aws.region' = 'eu-west-1'\n)")
        .replace(
          "'hosts' = 'http://127.0.0.1:4567', 'connection.path-prefix' = '/_opensearch', 'index'",
          "'hosts' = 'https://search-x.eu-west-1.es.amazonaws.com:443', 'index'",
        ),
    )
  })

  it("quotes values as Flink SQL strings (a ' doubled)", () => {
    expect(sqlString("it's")).toBe("'it''s'")
  })
})
