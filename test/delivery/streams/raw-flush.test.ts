import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { EncoderPool, InlineEncoder, snappyUnframe } from '../../../src/delivery/encoders/index.ts'
import { PartitionLedger } from '../../../src/delivery/streams/active-partitions.ts'
import type { Buffered } from '../../../src/delivery/streams/buffer.ts'
import {
  CHUNK_BYTES,
  chunkEnds,
  type FlushDeps,
  type FlushPlan,
  planFlush,
  planRawFlush,
  type RawBuffer,
} from '../../../src/delivery/streams/flush.ts'
import type { DeliveryRecord } from '../../../src/delivery/streams/records.ts'
import type { Compression, Encoder } from '../../../src/delivery/types.ts'
import { reading, SENSOR_COLUMNS } from '../encoders/helpers.ts'

const pool = new EncoderPool({ size: 2 })
afterAll(() => pool.close())

function flushPlan(overrides: Partial<FlushPlan> = {}): FlushPlan {
  return {
    delivery: 'd',
    bucket: 'b',
    prefix: { render: ({ arrivalMs, randomString }) => `raw/${arrivalMs}/${randomString}/` },
    errorPrefix: { render: ({ errorOutputType }) => `errors/${errorOutputType}/` },
    format: 'ndjson',
    compression: 'GZIP',
    appendNewline: true,
    dynamicPartitioning: false,
    partitions: new PartitionLedger({ limit: 500, windowMs: 60_000 }),
    checkPartitionValue: () => ({ ok: true }),
    checkObjectKey: () => ({ ok: true }),
    errorLine: (f) => JSON.stringify({ errorCode: f.errorCode, rawData: f.record.data.toString('base64') }),
    ...overrides,
  }
}

function deps(encoder: Encoder): FlushDeps {
  return {
    writer: {
      putObject: async () => ({ etag: '', size: 0 }),
      deleteObject: async () => undefined,
    },
    encoder,
    invoker: { invoke: async () => ({}) } as unknown as FlushDeps['invoker'],
    now: () => 0,
  }
}

/** A buffer of `data` as ShardDelivery hands it to planRawFlush (ordinals 0.., arrivals 1000..). */
function rawBuffer(data: readonly Buffer[]): RawBuffer & { reads: [number, number][]; released: number } {
  const items: Buffered[] = data.map((d, i) => ({
    ordinal: i,
    arrivalMs: 1000 + i,
    size: Math.max(1, d.length),
  }))
  const raw = {
    items,
    reads: [] as [number, number][],
    released: 0,
    read: async (from: number, to: number) => {
      raw.reads.push([from, to])
      const texts = data.slice(from, to).map((d) => Buffer.from(d.toString('base64'), 'latin1'))
      const ends = new Uint32Array(texts.length)
      const packed = new Uint8Array(texts.reduce((n, t) => n + t.length, 0))
      let at = 0
      texts.forEach((t, i) => {
        packed.set(t, at)
        at += t.length
        ends[i] = at
      })
      return {
        records: { data: packed, ends, base64: true, transferable: true },
        count: texts.length,
        bytes: data.slice(from, to).reduce((n, d) => n + d.length, 0),
        release: () => {
          raw.released++
        },
      }
    },
    decoded: async () => deliveryRecords(data),
  }
  return raw
}

function deliveryRecords(data: readonly Buffer[]): DeliveryRecord[] {
  return data.map((d, i) => ({
    ordinal: i,
    sequenceNumber: String(i).padStart(20, '0'),
    subsequenceNumber: 0,
    partitionKey: 'pk',
    arrivalMs: 1000 + i,
    data: Buffer.from(d),
    recordId: `${String(i).padStart(20, '0')}00000000`,
  }))
}

const id = { shardTag: 'shardId-000000000000', firstSequence: '1', lastSequence: '2' }
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const small = Array.from({ length: 200 }, (_, i) => reading(i))
/** Over two chunks' worth of ~150-byte records. */
const large = Array.from({ length: Math.ceil((2.5 * CHUNK_BYTES) / 150) }, (_, i) => reading(i))

describe('planRawFlush (no transformation, partitioning or de-aggregation)', () => {
  it.each<[Compression]>([['GZIP'], ['UNCOMPRESSED'], ['ZIP'], ['Snappy'], ['HADOOP_SNAPPY']])(
    'plans the same %s object as planFlush for a buffer of one chunk',
    async (compression) => {
      const plan = flushPlan({ compression })
      const raw = await planRawFlush(plan, deps(pool), rawBuffer(small), id)
      const decoded = await planFlush(plan, deps(new InlineEncoder()), deliveryRecords(small), id)
      expect(raw.objects.map((o) => [o.key, o.body.toString('hex'), o.md5])).toEqual(
        decoded.objects.map((o) => [o.key, o.body.toString('hex'), o.md5]),
      )
      expect(raw.objects[0]!.md5).toBe(md5(raw.objects[0]!.body))
      expect({ ...raw, objects: [] }).toEqual({ ...decoded, objects: [] })
    },
  )

  it('plans the same Parquet object and error output as planFlush', async () => {
    const plan = flushPlan({ format: 'parquet', compression: 'UNCOMPRESSED', columns: SENSOR_COLUMNS })
    const data = [...small.slice(0, 50), Buffer.from('not json'), ...small.slice(50, 60)]
    const raw = await planRawFlush(plan, deps(pool), rawBuffer(data), id)
    const decoded = await planFlush(plan, deps(new InlineEncoder()), deliveryRecords(data), id)
    expect(raw.objects.map((o) => [o.key, o.kind, o.records, o.body.toString('hex')])).toEqual(
      decoded.objects.map((o) => [o.key, o.kind, o.records, o.body.toString('hex')]),
    )
    expect(raw.failed.map((f) => [f.record.ordinal, f.errorCode])).toEqual([
      [50, 'DataFormatConversion.ParseError'],
    ])
    expect(raw.delivered).toBe(60)
    expect(raw.deliveredBytes).toBe(decoded.deliveredBytes)
    expect((await raw.objects[0]!.delivered!()).map((r) => r.ordinal)).not.toContain(50)
  })

  it('converts a large Parquet buffer chunk by chunk into the very file planFlush writes at once', async () => {
    const plan = flushPlan({ format: 'parquet', compression: 'UNCOMPRESSED', columns: SENSOR_COLUMNS })
    // Bad records in the first, a middle and the last chunk: their indexes must come out right.
    const data = large.map((r, i) =>
      i === 3 || i === Math.floor(large.length / 2) || i === large.length - 2
        ? Buffer.from(i % 2 ? 'not json' : '{"temperature":"warm"}')
        : r,
    )
    const buffer = rawBuffer(data)
    const raw = await planRawFlush(plan, deps(pool), buffer, id)
    expect(buffer.reads.length).toBe(3)
    const decoded = await planFlush(plan, deps(new InlineEncoder()), deliveryRecords(data), id)
    expect(raw.objects.map((o) => [o.key, o.kind, o.records, md5(o.body)])).toEqual(
      decoded.objects.map((o) => [o.key, o.kind, o.records, md5(o.body)]),
    )
    expect(raw.failed.map((f) => [f.record.ordinal, f.errorCode])).toEqual(
      decoded.failed.map((f) => [f.record.ordinal, f.errorCode]),
    )
    expect(raw.failed.map((f) => f.record.ordinal)).toEqual([
      3,
      Math.floor(large.length / 2),
      large.length - 2,
    ])
    expect(raw.delivered).toBe(large.length - 3)
    expect(raw.objects[0]!.md5).toBe(md5(raw.objects[0]!.body))
    expect(buffer.released).toBe(3)
  })

  it('encodes a large buffer in chunks: one gzip stream to readers, the same bytes every time', async () => {
    const ends = chunkEnds(rawBuffer(large).items, CHUNK_BYTES)
    expect(ends.length).toBe(3)
    const once = rawBuffer(large)
    const first = await planRawFlush(flushPlan(), deps(pool), once, id)
    const second = await planRawFlush(flushPlan(), deps(new InlineEncoder()), rawBuffer(large), id)
    expect(once.reads).toEqual(ends.map((end, i) => [i === 0 ? 0 : ends[i - 1]!, end]))
    expect(once.released).toBe(3)
    const [object] = first.objects
    expect(first.objects).toHaveLength(1)
    expect(object!.body.equals(second.objects[0]!.body)).toBe(true)
    expect(object!.md5).toBe(md5(object!.body))
    expect(gunzipSync(object!.body).equals(Buffer.concat(large.flatMap((r) => [r, Buffer.from('\n')])))).toBe(
      true,
    )
    expect(first.delivered).toBe(large.length)
    expect(first.deliveredBytes).toBe(large.reduce((n, r) => n + r.length, 0))
  })

  it('chunks Snappy files too, and never ZIP files', async () => {
    const snappy = await planRawFlush(flushPlan({ compression: 'Snappy' }), deps(pool), rawBuffer(large), id)
    expect(
      snappyUnframe(snappy.objects[0]!.body).equals(
        Buffer.concat(large.flatMap((r) => [r, Buffer.from('\n')])),
      ),
    ).toBe(true)
    const zip = rawBuffer(large)
    await planRawFlush(flushPlan({ compression: 'ZIP' }), deps(pool), zip, id)
    expect(zip.reads).toEqual([[0, large.length]])
  })

  it('sends the records of a refused key to the error output', async () => {
    const plan = flushPlan({ checkObjectKey: () => ({ ok: false, reason: 'no' }) })
    const outcome = await planRawFlush(plan, deps(pool), rawBuffer(small.slice(0, 5)), id)
    expect(outcome.delivered).toBe(0)
    expect(outcome.failed.map((f) => f.errorCode)).toEqual(Array(5).fill('S3.InvalidKey'))
    expect(outcome.objects.map((o) => o.kind)).toEqual(['error'])
  })
})
