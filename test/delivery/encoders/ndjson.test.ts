import { gunzipSync } from 'node:zlib'
import { unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import {
  CorruptStreamError,
  crc32c,
  EncodeRequestError,
  encodeSync,
  hadoopUnsnappy,
  snappyFrame,
  snappyUnframe,
} from '../../../src/delivery/encoders/index.ts'
import type { Compression } from '../../../src/delivery/types.ts'
import { Prng } from '../../helpers/prng.ts'
import { ndjsonRequest, reading } from './helpers.ts'

const plain = (records: Buffer[]) => Buffer.concat(records.flatMap((r) => [r, Buffer.from('\n')]))

describe('encodeSync: NDJSON', () => {
  it('appends a newline after each record only when asked (AppendDelimiterToRecord)', () => {
    const records = [Buffer.from('{"a":1}'), Buffer.from('{"a":2}')]
    expect(encodeSync(ndjsonRequest({ records })).body.toString()).toBe('{"a":1}\n{"a":2}\n')
    expect(encodeSync(ndjsonRequest({ records, appendNewline: false })).body.toString()).toBe(
      '{"a":1}{"a":2}',
    )
  })

  it.each<[Compression, string, (body: Buffer) => Buffer]>([
    ['UNCOMPRESSED', '.json', (b) => b],
    ['GZIP', '.json.gz', (b) => gunzipSync(b)],
    ['ZIP', '.json.zip', (b) => Buffer.from(unzipSync(b)['part-0.json']!)],
    ['Snappy', '.json.snappy', snappyUnframe],
    ['HADOOP_SNAPPY', '.json.hsnappy', hadoopUnsnappy],
  ])('%s round-trips with extension %s', (compression, extension, decode) => {
    // 300 KiB: several Snappy chunks and Hadoop blocks, the last one partial.
    const records = Array.from({ length: 2000 }, (_, i) => reading(i))
    const result = encodeSync(ndjsonRequest({ records, compression, entryName: 'part-0.json' }))
    expect(result).toMatchObject({ extension, contentType: 'application/octet-stream', failures: [] })
    expect(result.contentEncoding).toBeUndefined()
    expect(decode(result.body).equals(plain(records))).toBe(true)
  })

  it.each<Compression>(['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'])(
    '%s output is byte-identical for the same request',
    (compression) => {
      const a = encodeSync(ndjsonRequest({ compression }))
      const b = encodeSync(ndjsonRequest({ compression }))
      expect(a.body.equals(b.body)).toBe(true)
    },
  )

  it('writes a gzip header with mtime 0, XFL "fastest" (level 1) and OS "unknown"', () => {
    const { body } = encodeSync(ndjsonRequest({ compression: 'GZIP' }))
    expect([...body.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255])
  })

  it('stamps the ZIP entry with fileTimeMs in UTC, whatever the time zone', () => {
    const { body } = encodeSync(ndjsonRequest({ compression: 'ZIP', entryName: 'x.json' }))
    // Local file header: DOS time at offset 10, DOS date at offset 12.
    const time = body.readUInt16LE(10)
    const date = body.readUInt16LE(12)
    expect([(date >> 9) + 1980, (date >> 5) & 15, date & 31]).toEqual([2024, 5, 17])
    expect([time >> 11, (time >> 5) & 63, (time & 31) * 2]).toEqual([13, 45, 30])
  })

  it('encodes empty input to a valid empty stream', () => {
    const snappy = encodeSync(ndjsonRequest({ records: [], compression: 'Snappy' })).body
    expect(snappyUnframe(snappy).length).toBe(0)
    expect(gunzipSync(encodeSync(ndjsonRequest({ records: [], compression: 'GZIP' })).body).length).toBe(0)
    expect(encodeSync(ndjsonRequest({ records: [], compression: 'HADOOP_SNAPPY' })).body.length).toBe(0)
  })

  it('rejects an unknown compression', () => {
    expect(() => encodeSync(ndjsonRequest({ compression: 'BZIP2' as Compression }))).toThrow(
      EncodeRequestError,
    )
  })
})

describe('Snappy framing', () => {
  it('computes CRC-32C per RFC 3720', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
  })

  it('starts with the stream identifier and caps chunks at 64 KiB', () => {
    const data = Buffer.alloc(65_536 * 2 + 10, 'a')
    const framed = snappyFrame(data)
    expect(framed.subarray(0, 10).toString('latin1')).toBe('\xff\x06\x00\x00sNaPpY')
    let chunks = 0
    for (let at = 10; at < framed.length; chunks++) at += 4 + framed.readUIntLE(at + 1, 3)
    expect(chunks).toBe(3)
    expect(snappyUnframe(framed).equals(data)).toBe(true)
  })

  it('stores incompressible chunks raw', () => {
    const prng = new Prng(7)
    const data = Buffer.from(Array.from({ length: 1000 }, () => prng.int(0, 255)))
    const framed = snappyFrame(data)
    expect(framed[10]).toBe(0x01)
    expect(snappyUnframe(framed).equals(data)).toBe(true)
  })

  it('detects a corrupted chunk by its checksum', () => {
    const framed = snappyFrame(Buffer.from('hello hello hello hello'))
    framed[14] = framed[14]! ^ 1 // a checksum byte
    expect(() => snappyUnframe(framed)).toThrow(CorruptStreamError)
  })
})
