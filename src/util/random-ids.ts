import { randomFillSync } from 'node:crypto'

/**
 * Random bytes for identifiers that only need to be unique and opaque (AWS's `x-amz-id-2` host
 * ids, request ids in event records, receipt handle salts), drawn from a pooled buffer refilled
 * 64 KiB at a time. `crypto.randomBytes` per response was a visible share of the APIs' CPU: each
 * call is a synchronous trip into OpenSSL. Not for secrets (the pool outlives the call).
 */
const POOL_BYTES = 64 * 1024
const pool = Buffer.allocUnsafe(POOL_BYTES)
let offset = POOL_BYTES

function take(bytes: number): Buffer {
  if (bytes > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`)
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const out = pool.subarray(offset, offset + bytes)
  offset += bytes
  return out
}

/** `bytes` random bytes as base64 (the shape of S3's `x-amz-id-2`). */
export const randomBase64 = (bytes: number): string => take(bytes).toString('base64')

/** `bytes` random bytes as lowercase hex. */
export const randomHex = (bytes: number): string => take(bytes).toString('hex')
