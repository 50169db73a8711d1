import { type GetRecordsResult, type ReadRecord, getRecords as read } from '../../../engine/records.ts'
import type { ShardRuntime } from '../../../engine/runtime.ts'
import { hashKeyToDecimal } from '../../../stream/hash-key.ts'
import type { Operation, PreRendered } from '../operation.ts'
import { STREAM_ARN } from '../shapes.ts'

function childShard(shard: ShardRuntime) {
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

const OPEN = Buffer.from('{"Records":[')
const DATA = Buffer.from('{"Data":"')

/**
 * Renders the JSON response by copying each record's stored base64 straight into the body:
 * nothing is decoded or re-encoded, and only partition keys need JSON escaping.
 */
function renderJson(result: GetRecordsResult): Buffer {
  const parts: Buffer[] = [OPEN]
  result.records.forEach((r: ReadRecord, i) => {
    parts.push(i === 0 ? DATA : Buffer.from(`,{"Data":"`))
    parts.push(r.data)
    parts.push(
      Buffer.from(
        `","PartitionKey":${JSON.stringify(r.partitionKey)},"SequenceNumber":"${r.sequenceNumber}",` +
          `"ApproximateArrivalTimestamp":${r.timestamp / 1000}${r.encrypted ? ',"EncryptionType":"KMS"' : ''}}`,
        // UTF-8: partition keys are any Unicode text (Latin-1 would silently mangle 'ż' into '|').
        'utf8',
      ),
    )
  })
  const rest = JSON.stringify(tail(result))
  parts.push(Buffer.from(`]${rest.length > 2 ? `,${rest.slice(1)}` : '}'}`))
  return Buffer.concat(parts)
}

export const getRecords: Operation = {
  name: 'GetRecords',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ShardIterator: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 512 },
    StreamARN: STREAM_ARN,
  },
  async handle(input, { engine }): Promise<PreRendered> {
    const result = await read(
      engine,
      input.ShardIterator as string,
      (input.Limit as number | undefined) ?? 10000,
    )
    return {
      json: () => renderJson(result),
      cbor: () => ({
        Records: result.records.map((r) => ({
          Data: Buffer.from(r.data.toString('latin1'), 'base64'),
          PartitionKey: r.partitionKey,
          SequenceNumber: r.sequenceNumber,
          ApproximateArrivalTimestamp: new Date(r.timestamp),
          ...(r.encrypted && { EncryptionType: 'KMS' }),
        })),
        ...tail(result),
      }),
    }
  },
}
