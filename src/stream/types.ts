import type { HashKeyHex } from './hash-key.ts'

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING'
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND'
export type EncryptionType = 'NONE' | 'KMS'

export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const
export type ShardLevelMetric = (typeof SHARD_LEVEL_METRICS)[number]

/**
 * A change that puts a stream into CREATING, UPDATING or DELETING and completes after a short
 * delay (Kinesis is never instant). Persisted, so a restart finishes what a crash interrupted.
 */
export type PendingChange =
  | { kind: 'create'; shardCount: number }
  | { kind: 'delete' }
  | { kind: 'split'; shard: number; newStartingHashKey: HashKeyHex }
  | { kind: 'merge'; shard: number; adjacent: number }
  | { kind: 'scale'; target: number }
  /** On-demand scaling: ordinary splits of hot shards, carried out together (the stream stays ACTIVE). */
  | { kind: 'splits'; splits: { shard: number; newStartingHashKey: HashKeyHex }[] }
  | { kind: 'mode'; mode: StreamMode }
  | { kind: 'encryption'; type: EncryptionType; keyId: string | undefined }

export interface StreamState {
  name: string
  /** Internal id: names the stream's directory, so names like `..` never become paths. */
  id: string
  status: StreamStatus
  mode: StreamMode
  retentionHours: number
  /** Records that arrived before this are gone for good, even if retention is raised later. */
  trimmedBefore: number
  createdAt: number
  encryptionType: EncryptionType
  keyId: string | undefined
  shardLevelMetrics: ShardLevelMetric[]
  maxRecordSizeKiB: number
  nextShardIndex: number
  pending: PendingChange | undefined
  /** When the pending change completes. */
  pendingUntil: number | undefined
}

export interface ShardState {
  streamName: string
  index: number
  parent: number | undefined
  adjacentParent: number | undefined
  start: HashKeyHex
  end: HashKeyHex
  createdAt: number
  /** Set once a reshard closed the shard: no more records are written to it. */
  closedAt: number | undefined
}
