import { createHash } from 'node:crypto'
import {
  encodeKey,
  encodeVarint,
  ProtobufError,
  ProtoReader,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './protobuf.ts'

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
 * Builds a KPL aggregated record (partition and hash keys deduplicated into the tables).
 *
 * @example
 * const blob = aggregate([{ partitionKey: 'p1', data: Buffer.from('hello') }])
 */
export function aggregate(records: readonly AggregateInput[]): Buffer {
  const pkIndex = new Map<string, number>()
  const ehkIndex = new Map<string, number>()
  const indexOf = (map: Map<string, number>, value: string) => {
    let i = map.get(value)
    if (i === undefined) {
      i = map.size
      map.set(value, i)
    }
    return i
  }
  const encodedRecords = records.map((record) => {
    const out: number[] = []
    encodeKey(1, WIRE_VARINT, out)
    encodeVarint(indexOf(pkIndex, record.partitionKey), out)
    if (record.explicitHashKey !== undefined) {
      encodeKey(2, WIRE_VARINT, out)
      encodeVarint(indexOf(ehkIndex, record.explicitHashKey), out)
    }
    encodeKey(3, WIRE_LENGTH_DELIMITED, out)
    encodeVarint(record.data.length, out)
    return Buffer.concat([Buffer.from(out), record.data])
  })
  const chunks: Buffer[] = []
  const field = (n: number, payload: Buffer) => {
    const head: number[] = []
    encodeKey(n, WIRE_LENGTH_DELIMITED, head)
    encodeVarint(payload.length, head)
    chunks.push(Buffer.from(head), payload)
  }
  for (const key of pkIndex.keys()) field(1, Buffer.from(key, 'utf8'))
  for (const key of ehkIndex.keys()) field(2, Buffer.from(key, 'utf8'))
  for (const record of encodedRecords) field(3, record)
  const message = Buffer.concat(chunks)
  return Buffer.concat([KPL_MAGIC, message, createHash('md5').update(message).digest()])
}
