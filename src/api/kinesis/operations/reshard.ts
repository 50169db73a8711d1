import type { StreamEngine } from '../../../engine/engine.ts'
import type { ShardRuntime, StreamRuntime } from '../../../engine/stream-state.ts'
import { ServiceError } from '../../../stream/errors.ts'
import {
  hashKeyFromBigInt,
  hashKeyToBigInt,
  hashKeyToDecimal,
  MAX_HASH_KEY,
} from '../../../stream/hash-key.ts'
import { parseShardId, shardIdName } from '../../../stream/shard-id.ts'
import { defineOperation } from '../../operation.ts'
import { HASH_KEY, SHARD_ID, STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

function couldNotFind(engine: StreamEngine, shardId: string, stream: string) {
  return new ServiceError(
    'ResourceNotFoundException',
    `Could not find shard ${shardId} in stream ${stream} under account ${engine.account}.`,
  )
}

/**
 * The stream a reshard request names: it must exist, be PROVISIONED (Kinesis reshards ON_DEMAND
 * streams itself and answers ValidationException) and be ACTIVE.
 */
function provisionedStream(engine: StreamEngine, name: string): StreamRuntime {
  if (engine.stream(name).state.mode === 'ON_DEMAND') {
    throw new ServiceError(
      'ValidationException',
      `Request is invalid. Stream ${name} under account ${engine.account} is in On-Demand mode.`,
    )
  }
  return engine.activeStream(name)
}

/**
 * Kinesis parses a reshard request's shard ids before it looks the stream up: an id that cannot
 * name a shard (the part after the first `-` not all digits, or above 2^31-1) is not found, even
 * in a stream that does not exist, and is echoed as sent.
 */
function shardIndexOf(engine: StreamEngine, shardId: string, stream: string): number {
  const index = parseShardId(shardId)
  if (index === undefined) throw couldNotFind(engine, shardId, stream)
  return index
}

/** The shard a reshard request names; it must exist and still be open. */
function openShard(engine: StreamEngine, stream: StreamRuntime, index: number): ShardRuntime {
  const name = stream.state.name
  const shard = stream.shards.get(index)
  if (!shard) throw couldNotFind(engine, shardIdName(index), name)
  if (!shard.open) {
    throw new ServiceError(
      'InvalidArgumentException',
      `Shard ${shard.id} in stream ${name} under account ${engine.account} has already been merged or split, and thus is not eligible for merging or splitting.`,
    )
  }
  return shard
}

export const splitShard = defineOperation({
  name: 'SplitShard',
  spec: {
    NewStartingHashKey: { ...HASH_KEY, notNull: true },
    StreamName: STREAM_NAME_OR_ARN,
    ShardToSplit: { ...SHARD_ID, notNull: true },
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    const { engine } = ctx
    const name = streamNameOf(ctx, input)
    const index = shardIndexOf(engine, input.ShardToSplit, name)
    const stream = provisionedStream(engine, name)
    const shard = openShard(engine, stream, index)
    engine.checkShardLimit(1)
    const key = BigInt(input.NewStartingHashKey)
    const start = hashKeyToBigInt(shard.state.start)
    const end = hashKeyToBigInt(shard.state.end)
    if (key <= start + 1n || key >= end || key > MAX_HASH_KEY) {
      throw new ServiceError(
        'InvalidArgumentException',
        `NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${shard.id} in stream ${name} under account ${engine.account} ` +
          `is not both greater than one plus the shard's StartingHashKey ${hashKeyToDecimal(shard.state.start)} and less than the shard's EndingHashKey ${hashKeyToDecimal(shard.state.end)}.`,
      )
    }
    engine.beginUpdate(name, {
      kind: 'split',
      shard: shard.state.index,
      newStartingHashKey: hashKeyFromBigInt(key),
    })
    return undefined
  },
})

export const mergeShards = defineOperation({
  name: 'MergeShards',
  spec: {
    ShardToMerge: { ...SHARD_ID, notNull: true },
    AdjacentShardToMerge: { ...SHARD_ID, notNull: true },
    StreamName: STREAM_NAME_OR_ARN,
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    const { engine } = ctx
    const name = streamNameOf(ctx, input)
    const first = shardIndexOf(engine, input.ShardToMerge, name)
    const second = shardIndexOf(engine, input.AdjacentShardToMerge, name)
    const stream = provisionedStream(engine, name)
    const a = openShard(engine, stream, first)
    const b = openShard(engine, stream, second)
    // AWS merges only when ShardToMerge's range ends exactly where AdjacentShardToMerge's begins.
    if (hashKeyToBigInt(a.state.end) + 1n !== hashKeyToBigInt(b.state.start)) {
      throw new ServiceError(
        'InvalidArgumentException',
        `Shards ${a.id} and ${b.id} in stream ${name} under account ${engine.account} are not an adjacent pair of shards eligible for merging`,
      )
    }
    engine.beginUpdate(name, { kind: 'merge', shard: a.state.index, adjacent: b.state.index })
    return undefined
  },
})

export const MAX_SHARDS_PER_STREAM = 10_000

export const updateShardCount = defineOperation({
  name: 'UpdateShardCount',
  spec: {
    StreamName: STREAM_NAME_OR_ARN,
    TargetShardCount: { type: 'Integer', notNull: true, greaterThanOrEqual: 1 },
    ScalingType: { type: 'String', notNull: true, enum: ['UNIFORM_SCALING'] },
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    const { engine } = ctx
    const name = streamNameOf(ctx, input)
    const stream = provisionedStream(engine, name)
    const current = stream.openShardCount()
    const target = input.TargetShardCount
    const limit = (m: string) => new ServiceError('LimitExceededException', m)
    if (target > current * 2) {
      throw limit(
        `UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: ${current} Target shard count: ${target}`,
      )
    }
    if (target * 2 < current) {
      throw limit(
        `UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: ${current} Target shard count: ${target}`,
      )
    }
    if (target > MAX_SHARDS_PER_STREAM) {
      throw limit(
        `UpdateShardCount cannot scale a stream above ${MAX_SHARDS_PER_STREAM} shards. Target shard count: ${target}`,
      )
    }
    engine.checkShardLimit(Math.max(0, target - current))
    if (target !== current) engine.beginUpdate(name, { kind: 'scale', target })
    return {
      StreamName: name,
      CurrentShardCount: current,
      TargetShardCount: target,
      StreamARN: engine.arn(name),
    }
  },
})
