import type { Shard } from '@aws-sdk/client-kinesis'
import { type HashKeyHex, hashKeyFromDecimal } from '../stream/hash-key.ts'

export interface OpenShard {
  shardId: string
  start: HashKeyHex
  end: HashKeyHex
}

/**
 * The stream's open shards by hash range, from ListShards: which shard a hash key lands in.
 * Closed shards (those with an ending sequence number, the parents of a reshard) are left out;
 * the open ones cover the key space.
 */
export class ShardMap {
  readonly shards: readonly OpenShard[]

  constructor(shards: readonly Shard[]) {
    this.shards = shards
      .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined && s.HashKeyRange)
      .map((s) => ({
        shardId: s.ShardId!,
        start: hashKeyFromDecimal(s.HashKeyRange!.StartingHashKey!),
        end: hashKeyFromDecimal(s.HashKeyRange!.EndingHashKey!),
      }))
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  }

  /** The open shard whose range holds `key`, if the map covers it. */
  shardFor(key: HashKeyHex): OpenShard | undefined {
    let lo = 0
    let hi = this.shards.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const shard = this.shards[mid]!
      if (key < shard.start) hi = mid - 1
      else if (key > shard.end) lo = mid + 1
      else return shard
    }
    return undefined
  }

  get(shardId: string): OpenShard | undefined {
    return this.shards.find((s) => s.shardId === shardId)
  }
}
