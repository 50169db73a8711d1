/**
 * Messages between the encoder pool and its workers: one each way per request. Record bytes and
 * the file body travel as transferred ArrayBuffers (records are packed first unless they come
 * packed in a buffer of their own: a Buffer may be a view of Node's shared allocation pool, which
 * must never be transferred).
 */

import type { EncodeRequest, EncodeResult } from '../types.ts'
import { isPacked } from './ndjson.ts'

export interface WireRequest extends Omit<EncodeRequest, 'records' | 'before'> {
  /** Every record's bytes back to back (possibly followed by unused bytes); shared memory is sent as is. */
  data: ArrayBuffer | SharedArrayBuffer
  /** End offset of each record in `data`. */
  ends: Uint32Array
  /** The records are base64 text to decode. */
  base64: boolean
  before?: ArrayBuffer[]
}

export type ToWorker = { id: number; request: WireRequest }

export type FromWorker =
  | { id: number; ok: true; body: ArrayBuffer; result: Omit<EncodeResult, 'body'> }
  | { id: number; ok: false; name: string; message: string }
  /** Sent once, when the worker has loaded its code. */
  | { id: 0; ready: true }

/**
 * Packs a request for postMessage; returns the message and what to transfer. Buffers that are
 * transferred (packed records marked `transferable`, and `before` chunks that own their memory)
 * are detached from this thread.
 */
export function packRequest(request: EncodeRequest): { wire: WireRequest; transfer: ArrayBuffer[] } {
  const { records, before, ...rest } = request
  const transfer: ArrayBuffer[] = []
  let data: ArrayBuffer | SharedArrayBuffer
  let ends: Uint32Array
  let base64 = false
  if (isPacked(records)) {
    base64 = records.base64
    const used = records.ends.length === 0 ? 0 : records.ends[records.ends.length - 1]!
    const view = records.data
    // Shared memory is read by the worker in place; the caller reuses it only once the job is done.
    if (view.buffer instanceof SharedArrayBuffer && view.byteOffset === 0) data = view.buffer
    else if (records.transferable && view.byteOffset === 0 && view.buffer instanceof ArrayBuffer)
      data = view.buffer
    else data = copyOf(view.subarray(0, used))
    ends = records.transferable && owns(records.ends) ? records.ends : records.ends.slice()
  } else {
    ends = new Uint32Array(records.length)
    let size = 0
    records.forEach((record, i) => {
      size += record.length
      ends[i] = size
    })
    data = new ArrayBuffer(size)
    const view = new Uint8Array(data)
    let at = 0
    for (const record of records) {
      view.set(record, at)
      at += record.length
    }
  }
  if (data instanceof ArrayBuffer) transfer.push(data)
  transfer.push(ends.buffer as ArrayBuffer)
  const wire: WireRequest = { ...rest, data, ends, base64 }
  if (before) {
    wire.before = before.map((part) => ownBuffer(part))
    transfer.push(...wire.before)
  }
  return { wire, transfer }
}

export function unpackRequest(wire: WireRequest): EncodeRequest {
  const { data, ends, base64, before, ...rest } = wire
  const request: EncodeRequest = { ...rest, records: { data: new Uint8Array(data), ends, base64 } }
  if (before) request.before = before.map((part) => new Uint8Array(part))
  return request
}

/** An ArrayBuffer holding exactly `body`, safe to transfer (copied unless `body` owns its buffer). */
export function ownBuffer(body: Uint8Array): ArrayBuffer {
  if (!(body.buffer instanceof ArrayBuffer)) return copyOf(body)
  const buffer = body.buffer
  // Node never pools allocations of half its pool size or more, so such a buffer is ours alone.
  if (body.byteOffset === 0 && body.byteLength === buffer.byteLength && body.byteLength >= Buffer.poolSize) {
    return buffer
  }
  return buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
}

function copyOf(view: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(view.byteLength)
  copy.set(view)
  return copy.buffer
}

function owns(array: Uint32Array): boolean {
  return (
    array.byteOffset === 0 &&
    array.byteLength === array.buffer.byteLength &&
    array.buffer instanceof ArrayBuffer
  )
}
