/**
 * Firehose's two Snappy flavours. `Snappy` is Google's framing format (stream identifier, then
 * chunks of at most 64 KiB uncompressed, each with a masked CRC-32C); `HADOOP_SNAPPY` is Hadoop's
 * BlockCompressorStream layout (per block: big-endian uncompressed length, then big-endian
 * compressed length and a raw Snappy block). Both sit on snappyjs's raw block codec.
 * Specs: https://github.com/google/snappy/blob/main/framing_format.txt and Hadoop's
 * `BlockCompressorStream`.
 */
import { compress, uncompress } from 'snappyjs'
import { maskedCrc32c } from './crc32c.ts'
import { CorruptStreamError } from './errors.ts'

/** The framing format's limit on one chunk's uncompressed data. */
export const SNAPPY_FRAME_MAX = 65_536
/**
 * Uncompressed bytes per Hadoop block. Hadoop's decompressor buffers one compressed block in
 * `io.compression.codec.snappy.buffersize` (256 KiB by default); 64 KiB of input stays far below it.
 */
export const HADOOP_BLOCK_SIZE = 65_536

const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59])
const CHUNK_COMPRESSED = 0x00
const CHUNK_UNCOMPRESSED = 0x01

/** Encodes `data` in the Snappy framing format. */
export function snappyFrame(data: Uint8Array): Buffer {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER]
  let size = STREAM_IDENTIFIER.length
  for (let at = 0; at < data.length; at += SNAPPY_FRAME_MAX) {
    const chunk = data.subarray(at, at + SNAPPY_FRAME_MAX)
    const packed = compress(chunk)
    // The spec lets an encoder store a chunk raw when compression does not pay.
    const raw = packed.length >= chunk.length
    const payload = raw ? chunk : packed
    const header = Buffer.allocUnsafe(8)
    const length = payload.length + 4
    header[0] = raw ? CHUNK_UNCOMPRESSED : CHUNK_COMPRESSED
    header[1] = length & 0xff
    header[2] = (length >>> 8) & 0xff
    header[3] = (length >>> 16) & 0xff
    header.writeUInt32LE(maskedCrc32c(chunk), 4)
    parts.push(header, payload)
    size += 8 + payload.length
  }
  return Buffer.concat(parts, size)
}

/** Decodes a Snappy framing-format stream, verifying every checksum. */
export function snappyUnframe(stream: Uint8Array): Buffer {
  const buf = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength)
  if (!buf.subarray(0, STREAM_IDENTIFIER.length).equals(STREAM_IDENTIFIER)) {
    throw new CorruptStreamError('missing Snappy stream identifier')
  }
  const out: Uint8Array[] = []
  let at = STREAM_IDENTIFIER.length
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new CorruptStreamError(`truncated chunk header at ${at}`)
    const type = buf[at]!
    const length = buf[at + 1]! | (buf[at + 2]! << 8) | (buf[at + 3]! << 16)
    const body = buf.subarray(at + 4, at + 4 + length)
    if (body.length !== length) throw new CorruptStreamError(`truncated chunk at ${at}`)
    at += 4 + length
    if (type === 0xff || (type >= 0x80 && type <= 0xfe)) continue // identifier again, padding, skippable
    if (type !== CHUNK_COMPRESSED && type !== CHUNK_UNCOMPRESSED) {
      throw new CorruptStreamError(`unskippable chunk type 0x${type.toString(16)}`)
    }
    const data = type === CHUNK_COMPRESSED ? uncompress(body.subarray(4), SNAPPY_FRAME_MAX) : body.subarray(4)
    if (maskedCrc32c(data) !== body.readUInt32LE(0)) throw new CorruptStreamError(`bad checksum at ${at}`)
    out.push(data)
  }
  return Buffer.concat(out)
}

/** Encodes `data` as a Hadoop-Snappy stream, one sub-block per block. */
export function hadoopSnappy(data: Uint8Array): Buffer {
  const parts: Uint8Array[] = []
  let size = 0
  for (let at = 0; at < data.length; at += HADOOP_BLOCK_SIZE) {
    const block = data.subarray(at, at + HADOOP_BLOCK_SIZE)
    const packed = compress(block)
    const header = Buffer.allocUnsafe(8)
    header.writeUInt32BE(block.length, 0)
    header.writeUInt32BE(packed.length, 4)
    parts.push(header, packed)
    size += 8 + packed.length
  }
  return Buffer.concat(parts, size)
}

/** Decodes a Hadoop-Snappy stream (blocks of one or more sub-blocks). */
export function hadoopUnsnappy(stream: Uint8Array): Buffer {
  const buf = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength)
  const out: Uint8Array[] = []
  let at = 0
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new CorruptStreamError(`truncated block header at ${at}`)
    let remaining = buf.readUInt32BE(at)
    at += 4
    while (remaining > 0) {
      if (at + 4 > buf.length) throw new CorruptStreamError(`truncated sub-block header at ${at}`)
      const length = buf.readUInt32BE(at)
      const packed = buf.subarray(at + 4, at + 4 + length)
      if (packed.length !== length) throw new CorruptStreamError(`truncated sub-block at ${at}`)
      at += 4 + length
      const data = uncompress(packed, remaining)
      out.push(data)
      remaining -= data.length
      if (data.length === 0) throw new CorruptStreamError(`empty sub-block at ${at}`)
    }
  }
  return Buffer.concat(out)
}
