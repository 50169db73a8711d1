/**
 * Messages between the encoder pool and its workers: one each way per request. Record bytes and
 * the file body travel as one transferred ArrayBuffer each (records are packed first: a Buffer
 * may be a view of Node's shared allocation pool, which must never be transferred).
 */
import type { EncodeRequest, EncodeResult } from '../types.ts'

export interface WireRequest extends Omit<EncodeRequest, 'records'> {
  /** Every record's bytes back to back. */
  data: ArrayBuffer
  /** End offset of each record in `data`. */
  ends: Uint32Array
}

export type ToWorker = { id: number; request: WireRequest }

export type FromWorker =
  | { id: number; ok: true; body: ArrayBuffer; result: Omit<EncodeResult, 'body'> }
  | { id: number; ok: false; name: string; message: string }

/** Packs a request for postMessage; returns the message and what to transfer. */
export function packRequest(request: EncodeRequest): { wire: WireRequest; transfer: ArrayBuffer[] } {
  const { records, ...rest } = request
  const ends = new Uint32Array(records.length)
  let size = 0
  records.forEach((record, i) => {
    size += record.length
    ends[i] = size
  })
  const data = new ArrayBuffer(size)
  const view = new Uint8Array(data)
  let at = 0
  for (const record of records) {
    view.set(record, at)
    at += record.length
  }
  return { wire: { ...rest, data, ends }, transfer: [data, ends.buffer as ArrayBuffer] }
}

export function unpackRequest(wire: WireRequest): EncodeRequest {
  const { data, ends, ...rest } = wire
  const records: Buffer[] = new Array(ends.length)
  let start = 0
  for (let i = 0; i < ends.length; i++) {
    records[i] = Buffer.from(data, start, ends[i]! - start)
    start = ends[i]!
  }
  return { ...rest, records }
}

/** An ArrayBuffer holding exactly `body`, safe to transfer (copied unless `body` owns its buffer). */
export function ownBuffer(body: Buffer): ArrayBuffer {
  const buffer = body.buffer as ArrayBuffer
  // Node never pools allocations of half its pool size or more, so such a buffer is ours alone.
  if (body.byteOffset === 0 && body.byteLength === buffer.byteLength && body.byteLength >= Buffer.poolSize) {
    return buffer
  }
  return buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
}
