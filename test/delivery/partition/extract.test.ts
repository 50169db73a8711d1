import { describe, expect, it } from 'vitest'
import {
  createKeyExtractor,
  METADATA_EXTRACTION_FAILED,
  QueryError,
} from '../../../src/delivery/partition/extract.ts'

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

describe('createKeyExtractor', () => {
  it('extracts the documented keys (dynamic-partitioning-partitioning-keys.html sample)', async () => {
    const extractor = await createKeyExtractor({
      customer_id: '.customer_id',
      device: '.type.device',
      year: '.event_timestamp|strftime("%Y")',
      month: '.event_timestamp|strftime("%m")',
    })
    const record = {
      type: { device: 'mobile', event: 'user_clicked_submit_button' },
      customer_id: '1234567890',
      event_timestamp: 1565382027,
      region: 'sample_region',
    }
    expect(extractor.extract([json(record)])).toEqual([
      { ok: true, keys: { customer_id: '1234567890', device: 'mobile', year: '2019', month: '08' } },
    ])
  })

  it('classifies each record of a batch independently', async () => {
    const extractor = await createKeyExtractor({ k: '.k' })
    const results = extractor.extract([
      json({ k: 'a' }),
      Buffer.from('not json'),
      json({ k: 42 }),
      json({ k: true }),
      json({ k: null }),
      json({ other: 1 }),
      json({ k: '' }),
      json({ k: [1] }),
      json({ k: { a: 1 } }),
      Buffer.from('{"k":"x"}{"k":"y"}'),
      Buffer.from([0xff, 0xfe]),
      json({ k: 1.5 }),
      Buffer.from('  {"k":"padded"}\n'),
      json({ k: 'line\nbreak' }),
    ])
    expect(results.map((r) => (r.ok ? r.keys.k : `${r.errorCode}: ${r.reason}`))).toMatchInlineSnapshot(`
      [
        "a",
        "DynamicPartitioning.MetadataExtractionFailed: Non JSON record provided",
        "42",
        "true",
        "DynamicPartitioning.MetadataExtractionFailed: partitionKeys values must not be null or empty (key "k")",
        "DynamicPartitioning.MetadataExtractionFailed: partitionKeys values must not be null or empty (key "k")",
        "DynamicPartitioning.MetadataExtractionFailed: partitionKeys values must not be null or empty (key "k")",
        "DynamicPartitioning.MetadataExtractionFailed: query for "k" produced an array; a scalar is required",
        "DynamicPartitioning.MetadataExtractionFailed: query for "k" produced an object; a scalar is required",
        "DynamicPartitioning.MetadataExtractionFailed: Non JSON record provided",
        "DynamicPartitioning.MetadataExtractionFailed: Non JSON record provided",
        "1.5",
        "padded",
        "line
      break",
      ]
    `)
  })

  it('fails a record whose query errors, yields nothing or yields several values', async () => {
    const extractor = await createKeyExtractor({ first: '.a[]', t: '.ts|strftime("%Y")' })
    const results = extractor.extract([
      json({ a: ['x'], ts: 0 }),
      json({ a: [], ts: 0 }),
      json({ a: ['x', 'y'], ts: 0 }),
      json({ a: ['x'], ts: 'not a number' }),
    ])
    expect(results.map((r) => (r.ok ? r.keys : r.reason))).toMatchInlineSnapshot(`
      [
        {
          "first": "x",
          "t": "1970",
        },
        "partitionKeys values must not be null or empty (query for "first" produced no value)",
        "query for "first" produced 2 values; exactly one is required",
        "query for "t" failed: strftime/1 requires parsed datetime inputs",
      ]
    `)
    expect(results.slice(1).every((r) => !r.ok && r.errorCode === METADATA_EXTRACTION_FAILED)).toBe(true)
  })

  it('keeps alignment when jq itself rejects one record of a batch', async () => {
    const extractor = await createKeyExtractor({ k: '.k' })
    const deep = Buffer.from(`{"k":"deep","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`)
    const results = extractor.extract([json({ k: 'a' }), deep, json({ k: 'b' })])
    expect(results[0]).toEqual({ ok: true, keys: { k: 'a' } })
    expect(results[2]).toEqual({ ok: true, keys: { k: 'b' } })
    expect(results[1]!.ok).toBe(false)
  })

  it('tolerates comments in queries', async () => {
    const extractor = await createKeyExtractor({ k: '.k # the key' })
    expect(extractor.extract([json({ k: 'v' })])).toEqual([{ ok: true, keys: { k: 'v' } }])
  })

  it('handles a large batch in one call', async () => {
    const extractor = await createKeyExtractor({ tenant: '.tenant', hour: '.ts|strftime("%H")' })
    const records = Array.from({ length: 2000 }, (_, i) =>
      json({ tenant: `t${i % 7}`, ts: i * 3600, pad: 'x'.repeat(900) }),
    )
    const results = extractor.extract(records)
    expect(results).toHaveLength(2000)
    expect(results[1999]).toEqual({ ok: true, keys: { tenant: 't4', hour: '07' } })
  })

  it.each([
    [{ bad: '.a | | .b' }],
    [{ bad: '.[' }],
    [{ bad: 'input' }],
    [{ bad: '.a, inputs' }],
    [{ bad: 'halt_error' }],
    [{ 'bad key': '.a' }],
    [{ bad: '  ' }],
    [{}],
  ])('rejects %j at construction', async (queries) => {
    await expect(createKeyExtractor(queries)).rejects.toThrow(QueryError)
  })

  it('allows field names that merely look like forbidden builtins', async () => {
    const extractor = await createKeyExtractor({
      a: '.input',
      b: '.halt',
      c: '{input: 1} | .input | tostring',
    })
    expect(extractor.extract([json({ input: 'i', halt: 'h' })])).toEqual([
      { ok: true, keys: { a: 'i', b: 'h', c: '1' } },
    ])
  })

  it('names the key in compile errors', async () => {
    await expect(
      createKeyExtractor({ ok: '.a', customer: '.a | | .b' }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[QueryError: The query for partition key "customer" does not compile: syntax error, unexpected '|' (Unix shell quoting issues?) at <top-level>, line 2:]`,
    )
  })
})
