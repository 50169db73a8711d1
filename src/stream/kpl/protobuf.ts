/**
 * The few protobuf (proto2) wire-format pieces the KPL aggregation format needs: varints,
 * length-delimited fields, and skipping unknown fields. Hand-written to avoid a dependency.
 * https://protobuf.dev/programming-guides/encoding/
 */

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

/** Malformed protobuf input. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError'
}

/** Encodes a non-negative integer (≤ 2^53 - 1) as a base-128 varint. */
export function encodeVarint(value: number, out: number[]): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`)
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
}

/** Appends a field key: `(field << 3) | wireType`. */
export function encodeKey(field: number, wireType: number, out: number[]): void {
  encodeVarint(field * 8 + wireType, out)
}

/** Sequential reader over one message's bytes. */
export class ProtoReader {
  pos = 0
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  done(): boolean {
    return this.pos >= this.end
  }

  /** Reads a varint; values beyond 2^53 lose precision (they are never valid indexes anyway). */
  varint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint')
      const byte = this.buf[this.pos++]!
      result += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) return result
      scale *= 0x80
    }
    throw new ProtobufError('varint longer than 10 bytes')
  }

  /** Reads a length-delimited payload and returns its bounds. */
  bytes(): Uint8Array {
    const length = this.varint()
    if (length > this.end - this.pos) throw new ProtobufError('length-delimited field overruns the message')
    const slice = this.buf.subarray(this.pos, this.pos + length)
    this.pos += length
    return slice
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint()
        return
      case WIRE_FIXED64:
        this.advance(8)
        return
      case WIRE_LENGTH_DELIMITED:
        this.bytes()
        return
      case WIRE_FIXED32:
        this.advance(4)
        return
      default:
        // Groups (3, 4) are deprecated and never used by the KPL; anything else is corrupt.
        throw new ProtobufError(`unsupported wire type ${wireType}`)
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtobufError('truncated fixed-width field')
    this.pos += n
  }
}
