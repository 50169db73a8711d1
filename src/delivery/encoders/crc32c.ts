/**
 * CRC-32C (Castagnoli), as the Snappy framing format checksums its chunks. Slicing-by-4 tables:
 * the checksum runs over every uncompressed byte, so byte-at-a-time would dominate Snappy output.
 */
const POLY = 0x82f63b78

const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t0[n] = c >>> 0
  }
  const tables = [t0]
  for (let t = 1; t < 4; t++) {
    const prev = tables[t - 1]!
    const next = new Uint32Array(256)
    for (let n = 0; n < 256; n++) next[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!
    tables.push(next)
  }
  return tables
})()

/** CRC-32C of `data` (RFC 3720 §B.4: `crc32c("123456789") === 0xe3069283`). */
export function crc32c(data: Uint8Array): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
  let crc = 0xffffffff
  let i = 0
  const end4 = data.length - (data.length % 4)
  for (; i < end4; i += 4) {
    crc ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    crc = t3[crc & 0xff]! ^ t2[(crc >>> 8) & 0xff]! ^ t1[(crc >>> 16) & 0xff]! ^ t0[crc >>> 24]!
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** The framing format's masked checksum: rotate right by 15 bits, add a constant (as Hadoop does). */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data)
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0
}
