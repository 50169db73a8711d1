import { createHash } from 'node:crypto'
import { ProtobufError, ProtoReader, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf.ts'

/**
 * The KPL aggregated record format, as Firehose's `RecordDeAggregation` (KPL) and the KCL read it:
 *
 *   magic f3 89 9a c2 | protobuf AggregatedRecord | md5(protobuf AggregatedRecord) (16 bytes)
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *     repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *     required bytes data = 3; repeated Tag tags = 4; }
 *
 * Sources: https://github.com/awslabs/amazon-kinesis-producer/blob/master/aggregation-format.md,
 * awslabs/kinesis-aggregation (`python/aws_kinesis_agg/deaggregator.py`, `node/lib/kpl-deagg.js`).
 * Like the KCL (`AggregatorUtil.deaggregate`) and the reference deaggregators, input that lacks
 * the magic, is too short, fails the MD5 check or does not parse is NOT an error: it is an
 * ordinary record and is returned unchanged as the only user record. Tags are skipped (the KPL
 * never implemented them).
 */

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2])
const DIGEST_BYTES = 16

export interface UserRecord {
  partitionKey: string
  explicitHashKey?: string
  data: Buffer
  /** Position inside the aggregated record (absent for a non-aggregated record). */
  subSequenceNumber?: number
}

export interface AggregateInput {
  partitionKey: string
  explicitHashKey?: string
  data: Buffer | Uint8Array
}

/**
 * Splits a KPL aggregated record into its user records; any other input is one record.
 *
 * @example
 * deaggregate(aggregate([{ partitionKey: 'a', data: Buffer.from('x') }])) // [{ partitionKey: 'a', data, subSequenceNumber: 0 }]
 * deaggregate(Buffer.from('plain'), 'pk') // [{ partitionKey: 'pk', data: <plain> }]
 */
export function deaggregate(data: Buffer, partitionKey = '', explicitHashKey?: string): UserRecord[] {
  const plain = (): UserRecord[] => [
    explicitHashKey === undefined ? { partitionKey, data } : { partitionKey, explicitHashKey, data },
  ]
  if (
    data.length < KPL_MAGIC.length + DIGEST_BYTES ||
    !data.subarray(0, KPL_MAGIC.length).equals(KPL_MAGIC)
  ) {
    return plain()
  }
  const message = data.subarray(KPL_MAGIC.length, data.length - DIGEST_BYTES)
  const digest = data.subarray(data.length - DIGEST_BYTES)
  if (!createHash('md5').update(message).digest().equals(digest)) return plain()
  try {
    return parseAggregatedRecord(message)
  } catch (error) {
    if (error instanceof ProtobufError) return plain()
    throw error
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseAggregatedRecord(message: Buffer): UserRecord[] {
  const reader = new ProtoReader(message)
  const partitionKeys: string[] = []
  const hashKeys: string[] = []
  const raw: Uint8Array[] = []
  while (!reader.done()) {
    const key = reader.varint()
    const field = Math.floor(key / 8)
    const wireType = key % 8
    if (field >= 1 && field <= 3 && wireType !== WIRE_LENGTH_DELIMITED) {
      throw new ProtobufError(`field ${field} has wire type ${wireType}`)
    }
    if (field === 1) partitionKeys.push(decodeString(reader.bytes()))
    else if (field === 2) hashKeys.push(decodeString(reader.bytes()))
    else if (field === 3) raw.push(reader.bytes())
    else reader.skip(wireType)
  }
  return raw.map((bytes, index) => parseRecord(bytes, index, partitionKeys, hashKeys))
}

function parseRecord(
  bytes: Uint8Array,
  index: number,
  partitionKeys: string[],
  hashKeys: string[],
): UserRecord {
  const reader = new ProtoReader(bytes)
  let pkIndex: number | undefined
  let ehkIndex: number | undefined
  let data: Uint8Array | undefined
  while (!reader.done()) {
    const key = reader.varint()
    const field = Math.floor(key / 8)
    const wireType = key % 8
    const expected = field === 3 ? WIRE_LENGTH_DELIMITED : field === 1 || field === 2 ? WIRE_VARINT : wireType
    if (wireType !== expected) throw new ProtobufError(`record field ${field} has wire type ${wireType}`)
    if (field === 1) pkIndex = reader.varint()
    else if (field === 2) ehkIndex = reader.varint()
    else if (field === 3) data = reader.bytes()
    else reader.skip(wireType)
  }
  if (pkIndex === undefined || data === undefined) throw new ProtobufError('record misses a required field')
  const partitionKey = partitionKeys[pkIndex]
  if (partitionKey === undefined) throw new ProtobufError(`partition_key_index ${pkIndex} out of range`)
  const record: UserRecord = { partitionKey, data: Buffer.from(data), subSequenceNumber: index }
  if (ehkIndex !== undefined) {
    const explicitHashKey = hashKeys[ehkIndex]
    if (explicitHashKey === undefined)
      throw new ProtobufError(`explicit_hash_key_index ${ehkIndex} out of range`)
    record.explicitHashKey = explicitHashKey
  }
  return record
}

function decodeString(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new ProtobufError('string field is not valid UTF-8')
  }
}

/**
 * Builds a KPL aggregated record (partition and hash keys deduplicated into the tables, in
 * first-seen order). Two passes: sizes first, then one buffer of exactly that size is written.
 *
 * @example
 * const blob = aggregate([{ partitionKey: 'p1', data: Buffer.from('hello') }])
 */
export function aggregate(records: readonly AggregateInput[]): Buffer {
  const pkIndex = new Map<string, number>()
  const ehkIndex = new Map<string, number>()
  const keys: Buffer[] = []
  const hashKeys: Buffer[] = []
  const pkOf = new Array<number>(records.length)
  const ehkOf = new Array<number>(records.length)
  const inner = new Array<number>(records.length)
  let size = 0
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    let k = pkIndex.get(record.partitionKey)
    if (k === undefined) {
      k = keys.length
      pkIndex.set(record.partitionKey, k)
      const bytes = Buffer.from(record.partitionKey, 'utf8')
      keys.push(bytes)
      size += 1 + varintSize(bytes.length) + bytes.length
    }
    pkOf[i] = k
    let length = 1 + varintSize(k) + 1 + varintSize(record.data.length) + record.data.length
    if (record.explicitHashKey !== undefined) {
      let h = ehkIndex.get(record.explicitHashKey)
      if (h === undefined) {
        h = hashKeys.length
        ehkIndex.set(record.explicitHashKey, h)
        const bytes = Buffer.from(record.explicitHashKey, 'utf8')
        hashKeys.push(bytes)
        size += 1 + varintSize(bytes.length) + bytes.length
      }
      ehkOf[i] = h
      length += 1 + varintSize(h)
    } else ehkOf[i] = -1
    inner[i] = length
    size += 1 + varintSize(length) + length
  }
  const out = Buffer.allocUnsafe(KPL_MAGIC.length + size + DIGEST_BYTES)
  KPL_MAGIC.copy(out, 0)
  let pos = KPL_MAGIC.length
  const varint = (value: number) => {
    let v = value
    while (v >= 0x80) {
      out[pos++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    out[pos++] = v
  }
  const bytesField = (field: number, bytes: Uint8Array) => {
    out[pos++] = field * 8 + WIRE_LENGTH_DELIMITED
    varint(bytes.length)
    out.set(bytes, pos)
    pos += bytes.length
  }
  for (const key of keys) bytesField(1, key)
  for (const key of hashKeys) bytesField(2, key)
  for (let i = 0; i < records.length; i++) {
    out[pos++] = 3 * 8 + WIRE_LENGTH_DELIMITED
    varint(inner[i]!)
    out[pos++] = 1 * 8 + WIRE_VARINT
    varint(pkOf[i]!)
    if (ehkOf[i]! >= 0) {
      out[pos++] = 2 * 8 + WIRE_VARINT
      varint(ehkOf[i]!)
    }
    bytesField(3, records[i]!.data)
  }
  createHash('md5').update(out.subarray(KPL_MAGIC.length, pos)).digest().copy(out, pos)
  return out
}

function varintSize(value: number): number {
  let size = 1
  let v = value
  while (v >= 0x80) {
    v = Math.floor(v / 0x80)
    size++
  }
  return size
}
