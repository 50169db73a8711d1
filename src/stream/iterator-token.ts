import { createHmac, timingSafeEqual } from 'node:crypto'

/** Where a shard iterator points: the next record it will return is `ordinal`. */
export interface IteratorPosition {
  streamName: string
  /** Creation time of the stream, so an iterator outlives neither a delete nor a re-create. */
  streamCreatedAt: number
  shardIndex: number
  ordinal: number
  issuedAt: number
}

const VERSION = 1
const MAC_BYTES = 16
const FIXED_BYTES = 1 + 8 + 8 + 4 + 8

/**
 * Shard iterators are opaque to clients and authenticated with an HMAC under a per-data-dir
 * secret, so a client cannot forge one that points into another stream or shard.
 */
export class IteratorCodec {
  readonly #secret: Buffer

  constructor(secret: Buffer) {
    this.#secret = secret
  }

  encode(position: IteratorPosition): string {
    const name = Buffer.from(position.streamName, 'utf8')
    const body = Buffer.allocUnsafe(FIXED_BYTES + name.length)
    body.writeUInt8(VERSION, 0)
    body.writeDoubleLE(position.issuedAt, 1)
    body.writeDoubleLE(position.streamCreatedAt, 9)
    body.writeUInt32LE(position.shardIndex, 17)
    body.writeDoubleLE(position.ordinal, 21)
    name.copy(body, FIXED_BYTES)
    return Buffer.concat([body, this.#mac(body)]).toString('base64')
  }

  /** Returns undefined for anything this server did not issue (or that was tampered with). */
  decode(token: string): IteratorPosition | undefined {
    const raw = Buffer.from(token, 'base64')
    if (raw.length < FIXED_BYTES + MAC_BYTES + 1 || raw.toString('base64') !== token) return undefined
    const body = raw.subarray(0, raw.length - MAC_BYTES)
    const mac = raw.subarray(raw.length - MAC_BYTES)
    if (!timingSafeEqual(mac, this.#mac(body)) || body.readUInt8(0) !== VERSION) return undefined
    return {
      issuedAt: body.readDoubleLE(1),
      streamCreatedAt: body.readDoubleLE(9),
      shardIndex: body.readUInt32LE(17),
      ordinal: body.readDoubleLE(21),
      streamName: body.subarray(FIXED_BYTES).toString('utf8'),
    }
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest().subarray(0, MAC_BYTES)
  }
}
