import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import {
  EncodeRequestError,
  EncoderPool,
  encodeSync,
  hadoopUnsnappy,
  InlineEncoder,
  snappyUnframe,
} from '../../../src/delivery/encoders/index.ts'
import type { Compression, Encoder, PackedRecords } from '../../../src/delivery/types.ts'
import { ndjsonRequest, parquetRequest, reading } from './helpers.ts'

const opened: Encoder[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()))
})
function pool(): EncoderPool {
  const p = new EncoderPool({ size: 2 })
  opened.push(p)
  return p
}

/** Records as the log stores them: base64 text, back to back, in memory of the given kind. */
function packBase64(
  records: readonly Buffer[],
  memory: 'owned' | 'shared' | 'pooled' = 'owned',
): PackedRecords {
  const texts = records.map((r) => Buffer.from(r.toString('base64'), 'latin1'))
  const size = texts.reduce((n, t) => n + t.length, 0)
  const data =
    memory === 'shared'
      ? new Uint8Array(new SharedArrayBuffer(size + 16))
      : memory === 'owned'
        ? new Uint8Array(size + 16)
        : Buffer.concat([Buffer.from('xx'), ...texts]).subarray(2)
  const ends = new Uint32Array(texts.length)
  let at = 0
  texts.forEach((t, i) => {
    if (memory !== 'pooled') data.set(t, at)
    at += t.length
    ends[i] = at
  })
  return { data, ends, base64: true, transferable: memory === 'owned' }
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
const records = Array.from({ length: 300 }, (_, i) => reading(i))
const COMPRESSIONS: Compression[] = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']

describe('packed base64 records', () => {
  it.each(COMPRESSIONS)('encode to the same %s file as the decoded records', (compression) => {
    const plain = encodeSync(ndjsonRequest({ records, compression }))
    const packed = encodeSync(ndjsonRequest({ records: packBase64(records), compression, md5: true }))
    expect(packed.body.equals(plain.body)).toBe(true)
    expect(packed.md5).toBe(md5(plain.body))
  })

  it('decode exactly as Buffer.from(text, "base64") does, odd lengths and empty records included', () => {
    const odd = [
      Buffer.alloc(0),
      Buffer.from('a'),
      Buffer.from('ab'),
      Buffer.from('abc'),
      Buffer.from([0, 255, 10]),
    ]
    for (const appendNewline of [true, false]) {
      const plain = encodeSync(ndjsonRequest({ records: odd, appendNewline }))
      const packed = encodeSync(ndjsonRequest({ records: packBase64(odd), appendNewline }))
      expect(packed.body.equals(plain.body)).toBe(true)
    }
  })

  it('encode to the same Parquet file (and the same failures) as the decoded records', () => {
    const mixed = [...records.slice(0, 20), Buffer.from('not json'), reading(21, { humidity: 'wet' })]
    const plain = encodeSync(parquetRequest(mixed))
    const packed = encodeSync({ ...parquetRequest([]), records: packBase64(mixed), md5: true })
    expect(packed.body.equals(plain.body)).toBe(true)
    expect(packed.failures).toEqual(plain.failures)
    expect(packed.failures.map((f) => f.index)).toEqual([20, 21])
    expect(packed.md5).toBe(md5(plain.body))
  })

  it.each<[string, () => Encoder]>([
    ['EncoderPool', pool],
    ['InlineEncoder', () => new InlineEncoder()],
  ])('give the same bytes through %s, from owned, shared or pooled memory', async (_, make) => {
    const encoder = make()
    const expected = encodeSync(ndjsonRequest({ records, compression: 'GZIP' })).body
    for (const memory of ['owned', 'shared', 'pooled'] as const) {
      const result = await encoder.encode(
        ndjsonRequest({ records: packBase64(records, memory), compression: 'GZIP' }),
      )
      expect(result.body.equals(expected), memory).toBe(true)
    }
  })

  it('leave shared and pooled memory with the caller; transfer owned memory to the worker', async () => {
    const encoder = pool()
    const shared = packBase64(records, 'shared')
    const owned = packBase64(records, 'owned')
    await encoder.encode(ndjsonRequest({ records: shared, compression: 'GZIP' }))
    await encoder.encode(ndjsonRequest({ records: owned, compression: 'GZIP' }))
    expect(shared.data.byteLength).toBeGreaterThan(0)
    expect(Buffer.from(shared.data.subarray(0, 4)).toString('latin1')).toBe(
      records[0]!.toString('base64').slice(0, 4),
    )
    expect(owned.data.byteLength).toBe(0) // detached: it went to the worker without a copy
  })
})

describe('a file encoded in chunks (`before`)', () => {
  const chunks = [records.slice(0, 100), records.slice(100, 250), records.slice(250)]
  const whole = Buffer.concat(records.flatMap((r) => [r, Buffer.from('\n')]))

  it.each<[Compression, (body: Buffer) => Buffer]>([
    ['UNCOMPRESSED', (b) => b],
    ['GZIP', (b) => gunzipSync(b)],
    ['Snappy', (b) => snappyUnframe(b)],
    ['HADOOP_SNAPPY', (b) => hadoopUnsnappy(b)],
  ])('reads back as one %s stream, and hashes the whole body', async (compression, decode) => {
    for (const encoder of [pool(), new InlineEncoder()]) {
      const parts: Buffer[] = []
      for (const chunk of chunks.slice(0, -1))
        parts.push((await encoder.encode(ndjsonRequest({ records: packBase64(chunk), compression }))).body)
      const expectedParts = Buffer.concat(parts)
      const last = await encoder.encode(
        ndjsonRequest({ records: packBase64(chunks[2]!), compression, before: parts, md5: true }),
      )
      const tail = encodeSync(ndjsonRequest({ records: chunks[2]!, compression })).body
      expect(last.body.equals(Buffer.concat([expectedParts, tail]))).toBe(true)
      expect(decode(last.body).equals(whole)).toBe(true)
      expect(last.md5).toBe(md5(last.body))
    }
  })

  it('is refused for ZIP and Parquet, which cannot be concatenated', () => {
    const before = [Buffer.from('x')]
    expect(() => encodeSync(ndjsonRequest({ compression: 'ZIP', before }))).toThrow(EncodeRequestError)
    expect(() => encodeSync({ ...parquetRequest(records), before })).toThrow(EncodeRequestError)
  })
})

describe('EncoderPool.warm', () => {
  it('starts every worker before the first request', async () => {
    const encoder = pool()
    expect(encoder.workers).toBe(0)
    await encoder.warm()
    expect(encoder.workers).toBe(2)
    await encoder.warm()
    expect(encoder.workers).toBe(2)
    expect((await encoder.encode(ndjsonRequest())).body.length).toBeGreaterThan(0)
  })
})
