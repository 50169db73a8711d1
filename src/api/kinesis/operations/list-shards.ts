import type { StreamEngine } from '../../../engine/engine.ts'
import { errors } from '../../../engine/messages.ts'
import type { ShardRuntime, StreamRuntime } from '../../../engine/stream-state.ts'
import { ServiceError } from '../../../stream/errors.ts'
import { defineOperation } from '../../operation.ts'
import type { FieldSpec, InputOf } from '../../spec.ts'
import { decodeToken, encodeToken, type TokenState } from '../next-token.ts'
import { SHARD_ID, STREAM_ARN, STREAM_NAME, shardShape } from '../shapes.ts'

const FILTER_TYPES = [
  'AFTER_SHARD_ID',
  'AT_TRIM_HORIZON',
  'FROM_TRIM_HORIZON',
  'AT_LATEST',
  'AT_TIMESTAMP',
  'FROM_TIMESTAMP',
] as const

const SHARD_FILTER = {
  type: 'Structure',
  children: {
    Type: { type: 'String', notNull: true, enum: FILTER_TYPES },
    ShardId: SHARD_ID,
    Timestamp: { type: 'Timestamp' },
  },
} as const satisfies FieldSpec

type ShardFilter = InputOf<typeof SHARD_FILTER.children>

/** A ListShards token also carries the filter of the listing it continues. */
interface ListShardsToken extends TokenState {
  filter?: ShardFilter
}

const invalid = (message: string) => new ServiceError('InvalidArgumentException', message)

/**
 * ShardFilter semantics: which shards a consumer starting at a point in time must read. A shard
 * "is open at" time t when it was created at or before t and not closed by t.
 */
function applyFilter(
  engine: StreamEngine,
  stream: StreamRuntime,
  shards: ShardRuntime[],
  filter: ShardFilter | undefined,
) {
  if (!filter) return shards
  const openAt = (s: ShardRuntime, t: number) =>
    s.state.createdAt <= t && (s.state.closedAt === undefined || s.state.closedAt > t)
  // The stream's first shards open when CREATING ends, a little after the stream's creation time:
  // a time before they existed means "from the beginning", i.e. the oldest shards still listed.
  const beginning = shards.reduce((min, s) => Math.min(min, s.state.createdAt), Number.POSITIVE_INFINITY)
  const trimHorizon = engine.retentionCutoff(stream)
  switch (filter.Type) {
    case 'AFTER_SHARD_ID':
      if (filter.ShardId === undefined)
        throw invalid('ShardFilter.ShardId must be provided when ShardFilter.Type is AFTER_SHARD_ID.')
      return shards.filter((s) => s.id > filter.ShardId!)
    case 'AT_TRIM_HORIZON':
      return shards.filter((s) => openAt(s, Math.max(trimHorizon, beginning)))
    case 'FROM_TRIM_HORIZON':
      return shards
    case 'AT_LATEST':
      return shards.filter((s) => s.open)
    case 'AT_TIMESTAMP':
    case 'FROM_TIMESTAMP': {
      if (filter.Timestamp === undefined) {
        throw invalid(`ShardFilter.Timestamp must be provided when ShardFilter.Type is ${filter.Type}.`)
      }
      const t = Math.max(filter.Timestamp * 1000, beginning)
      return filter.Type === 'AT_TIMESTAMP'
        ? shards.filter((s) => openAt(s, t))
        : shards.filter((s) => s.state.closedAt === undefined || s.state.closedAt > t)
    }
    default:
      return shards
  }
}

export const listShards = defineOperation({
  name: 'ListShards',
  spec: {
    ExclusiveStartShardId: SHARD_ID,
    MaxResults: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    NextToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 1048576 },
    StreamCreationTimestamp: { type: 'Timestamp' },
    StreamName: STREAM_NAME,
    ShardFilter: SHARD_FILTER,
    StreamARN: STREAM_ARN,
  },
  handle(input, { engine }) {
    const named = input.StreamName !== undefined || input.StreamARN !== undefined
    if (!named && input.NextToken === undefined)
      throw invalid('Either NextToken or StreamName should be provided.')
    if (named && input.NextToken !== undefined)
      throw invalid('NextToken and StreamName cannot be provided together.')
    // A token carries the position and the filter of the listing it continues (AWS's rule).
    if (input.NextToken !== undefined && input.ExclusiveStartShardId !== undefined)
      throw invalid('NextToken and ExclusiveStartShardId cannot be provided together.')
    if (input.NextToken !== undefined && input.ShardFilter !== undefined)
      throw invalid('NextToken and ShardFilter cannot be provided together.')
    let name: string
    let after = input.ExclusiveStartShardId
    let filter = input.ShardFilter
    if (input.NextToken !== undefined) {
      const token = decodeToken<ListShardsToken>(engine, 'ListShards', input.NextToken)
      name = token.stream!
      after = token.after
      filter = token.filter
      // A token from a stream since deleted and re-created names a stream that no longer exists.
      if (engine.stream(name).state.createdAt !== token.createdAt)
        throw errors.streamNotFound(name, engine.account)
    } else {
      name = engine.resolveName(input.StreamName, input.StreamARN)
    }
    const stream = engine.stream(name)
    const limit = input.MaxResults ?? 1000
    const all = applyFilter(engine, stream, stream.orderedShards(), filter).filter(
      (s) => after === undefined || s.id > after,
    )
    const page = all.slice(0, limit)
    const more = all.length > limit
    return {
      Shards: page.map(shardShape),
      ...(more && {
        NextToken: encodeToken<ListShardsToken>(engine, 'ListShards', {
          stream: name,
          createdAt: stream.state.createdAt,
          after: page[page.length - 1]!.id,
          ...(filter && { filter }),
        }),
      }),
    }
  },
})
