import { type GetRecordsResult, type ReadRecord, getRecords as read } from '../../../engine/records.ts'
import type { ShardRuntime } from '../../../engine/stream-state.ts'
import { hashKeyToDecimal } from '../../../stream/hash-key.ts'
import { defineOperation, type PreRendered } from '../../operation.ts'
import { STREAM_ARN } from '../shapes.ts'

/** A child shard as GetRecords' and SubscribeToShard's `ChildShards` name it. */
export function childShard(shard: ShardRuntime) {
  const s = shard.state
  const parents = [s.parent, s.adjacentParent].filter((p): p is number => p !== undefined)
  return {
    ShardId: shard.id,
    ParentShards: parents.map((p) => `shardId-${String(p).padStart(12, '0')}`),
    HashKeyRange: { StartingHashKey: hashKeyToDecimal(s.start), EndingHashKey: hashKeyToDecimal(s.end) },
  }
}

function tail(result: GetRecordsResult): Record<string, unknown> {
  return {
    ...(result.nextShardIterator !== undefined && { NextShardIterator: result.nextShardIterator }),
    MillisBehindLatest: result.millisBehindLatest,
    ...(result.childShards && { ChildShards: result.childShards.map(childShard) }),
  }
}

/**
 * Renders `{"Records":[...], ...rest}` into one buffer of exactly the right size, copying each
 * record's stored base64 straight in: nothing is decoded or re-encoded, only partition keys need
 * JSON escaping, and no per-record buffers are created (at 10,000 records a call, that garbage
 * was most of the read path's cost). GetRecords' response and SubscribeToShard's events.
 */
export function renderRecordsJson(
  records: readonly ReadRecord[],
  restFields: Record<string, unknown>,
): Buffer {
  const n = records.length
  // Text between one record's data and the next one's: its metadata, then the next opening.
  const between: string[] = new Array(n)
  let lastTimestamp = Number.NaN
  let timestampText = ''
  let size = 0
  for (let i = 0; i < n; i++) {
    const r = records[i]!
    if (r.timestamp !== lastTimestamp) {
      lastTimestamp = r.timestamp
      timestampText = String(r.timestamp / 1000)
    }
    const text =
      `","PartitionKey":${JSON.stringify(r.partitionKey)},"SequenceNumber":"${r.sequenceNumber}",` +
      `"ApproximateArrivalTimestamp":${timestampText}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}` +
      (i + 1 < n ? ',{"Data":"' : '')
    between[i] = text
    // UTF-8: partition keys are any Unicode text.
    size += r.data.length + Buffer.byteLength(text, 'utf8')
  }
  const rest = JSON.stringify(restFields)
  const head = n > 0 ? '{"Records":[{"Data":"' : '{"Records":['
  const end = `]${rest.length > 2 ? `,${rest.slice(1)}` : '}'}`
  const out = Buffer.allocUnsafe(head.length + size + Buffer.byteLength(end))
  let o = out.write(head, 0, 'latin1')
  for (let i = 0; i < n; i++) {
    // TypedArray#set is a plain memcpy; Buffer#copy wraps the source in a new view per call.
    const data = records[i]!.data
    out.set(data, o)
    o += data.length
    o += out.write(between[i]!, o, 'utf8')
  }
  out.write(end, o, 'utf8')
  return out
}

export const getRecords = defineOperation({
  name: 'GetRecords',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ShardIterator: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 512 },
    StreamARN: STREAM_ARN,
  },
  async handle(input, { engine }): Promise<PreRendered> {
    const result = await read(engine, input.ShardIterator, input.Limit ?? 10000)
    // Both renderings copy the record data out, so the read buffers can be reused right after.
    return {
      json: () => {
        const body = renderRecordsJson(result.records, tail(result))
        result.release()
        return body
      },
      cbor: () => {
        const body = {
          Records: result.records.map((r) => ({
            Data: Buffer.from(r.data.toString('latin1'), 'base64'),
            PartitionKey: r.partitionKey,
            SequenceNumber: r.sequenceNumber,
            ApproximateArrivalTimestamp: new Date(r.timestamp),
            ...(r.encrypted && { EncryptionType: 'KMS' }),
          })),
          ...tail(result),
        }
        result.release()
        return body
      },
    }
  },
})
