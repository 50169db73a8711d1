/** Shard ids look like AWS's: `shardId-` and the shard's index in the stream, 12 digits. */
export function shardIdName(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`
}

export const MAX_SHARD_INDEX = 2_147_483_647

/**
 * Resolves a client-supplied shard id to its index. Like Kinesis, the part after the first `-` is
 * what counts, so `shardId-000000000001`, `shardId-1` and `1` all name shard 1.
 * Returns undefined when the id cannot name any shard.
 */
export function parseShardId(shardId: string): number | undefined {
  const digits = shardId.split('-')[1] ?? shardId
  if (!/^\d+$/.test(digits)) return undefined
  const index = Number.parseInt(digits, 10)
  return index <= MAX_SHARD_INDEX ? index : undefined
}
