import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import {
  EncodeRequestError,
  EncoderClosedError,
  EncoderCrashedError,
  EncoderPool,
  encodeSync,
  InlineEncoder,
} from '../../../src/delivery/encoders/index.ts'
import type { Encoder } from '../../../src/delivery/types.ts'
import { ndjsonRequest, parquetRequest, reading } from './helpers.ts'

const CRASHING_ENTRY = new URL('./fixtures/crashing-worker-entry.mjs', import.meta.url)
const opened: Encoder[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()))
})
function pool(options: ConstructorParameters<typeof EncoderPool>[0] = {}): EncoderPool {
  const p = new EncoderPool(options)
  opened.push(p)
  return p
}

describe.each<[string, () => Encoder]>([
  ['EncoderPool', () => pool({ size: 2 })],
  ['InlineEncoder', () => new InlineEncoder()],
])('%s (the Encoder contract)', (_, make) => {
  it('produces exactly what encodeSync produces', async () => {
    const encoder = make()
    const gz = ndjsonRequest({ compression: 'GZIP' })
    const pq = parquetRequest(Array.from({ length: 100 }, (_, i) => reading(i)))
    const [a, b] = await Promise.all([encoder.encode(gz), encoder.encode(pq)])
    expect(a).toEqual(encodeSync(gz))
    expect(b).toEqual(encodeSync(pq))
    await encoder.close()
  })

  it('rejects an invalid request with EncodeRequestError and keeps working', async () => {
    const encoder = make()
    const bad = { ...parquetRequest([reading(0)]), columns: [{ name: 'x', type: 'map<string,int>' }] }
    await expect(encoder.encode(bad)).rejects.toThrow(EncodeRequestError)
    expect((await encoder.encode(ndjsonRequest())).body.length).toBeGreaterThan(0)
    await encoder.close()
  })

  it('refuses requests after close', async () => {
    const encoder = make()
    await encoder.close()
    await expect(encoder.encode(ndjsonRequest())).rejects.toThrow(EncoderClosedError)
  })
})

describe('EncoderPool', () => {
  it('runs many jobs over its workers and returns each its own result', async () => {
    const encoder = pool({ size: 2 })
    const requests = Array.from({ length: 12 }, (_, n) =>
      ndjsonRequest({ records: Array.from({ length: 50 + n }, (_, i) => reading(i)), compression: 'GZIP' }),
    )
    const results = await Promise.all(requests.map((r) => encoder.encode(r)))
    results.forEach((result, n) => {
      expect(gunzipSync(result.body).toString().split('\n')).toHaveLength(50 + n + 1)
    })
    expect(encoder.workers).toBe(2)
  })

  it('leaves the caller’s record buffers intact (pooled Buffers are copied, not transferred)', async () => {
    const records = [Buffer.from('{"a":1}'), Buffer.from('{"b":2}')]
    await pool({ size: 1 }).encode(ndjsonRequest({ records }))
    expect(records.map(String)).toEqual(['{"a":1}', '{"b":2}'])
  })

  it('rejects the job of a crashed worker, replaces the worker and goes on', async () => {
    const encoder = pool({ size: 1, entry: CRASHING_ENTRY })
    const crash = encoder.encode(ndjsonRequest({ records: [Buffer.from('CRASH')] }))
    const next = encoder.encode(ndjsonRequest({ records: [Buffer.from('{"ok":true}')] }))
    await expect(crash).rejects.toThrow(EncoderCrashedError)
    await expect(crash).rejects.toThrow(/exited with code 7/)
    expect((await next).body.toString()).toBe('{"ok":true}\n')
    expect(encoder.workers).toBe(1)
  })

  it('rejects queued and in-flight jobs on close and stops its workers', async () => {
    const encoder = pool({ size: 1 })
    const big = ndjsonRequest({
      records: Array.from({ length: 5000 }, (_, i) => reading(i)),
      compression: 'GZIP',
    })
    const jobs = [encoder.encode(big), encoder.encode(big), encoder.encode(big)]
    const outcomes = jobs.map((job) => expect(job).rejects.toThrow(EncoderClosedError))
    await encoder.close()
    await Promise.all(outcomes)
    expect(encoder.workers).toBe(0)
  })

  it('validates its size', () => {
    expect(() => new EncoderPool({ size: 0 })).toThrow(RangeError)
  })
})
