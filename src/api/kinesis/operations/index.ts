import type { Operation } from '../../operation.ts'
import { createStream } from './create-stream.ts'
import { deleteStream } from './delete-stream.ts'
import { describeStream } from './describe-stream.ts'
import { describeStreamSummary } from './describe-stream-summary.ts'
import { disableEnhancedMonitoring, enableEnhancedMonitoring } from './enhanced-monitoring.ts'
import { getRecords } from './get-records.ts'
import { getShardIterator } from './get-shard-iterator.ts'
import { listShards } from './list-shards.ts'
import { listStreams } from './list-streams.ts'
import { putRecord, putRecords } from './put-records.ts'
import { mergeShards, splitShard, updateShardCount } from './reshard.ts'
import { decreaseStreamRetentionPeriod, increaseStreamRetentionPeriod } from './retention.ts'
import {
  deregisterStreamConsumer,
  describeStreamConsumer,
  listStreamConsumers,
  registerStreamConsumer,
} from './stream-consumers.ts'
import {
  describeLimits,
  startStreamEncryption,
  stopStreamEncryption,
  updateMaxRecordSize,
  updateStreamMode,
} from './stream-settings.ts'
import { subscribeToShard } from './subscribe-to-shard.ts'
import {
  addTagsToStream,
  listTagsForResource,
  listTagsForStream,
  removeTagsFromStream,
  tagResource,
  untagResource,
} from './tags.ts'

/** Every Kinesis operation served; this table is also the X-Amz-Target allow-list. */
export const KINESIS_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    addTagsToStream,
    createStream,
    decreaseStreamRetentionPeriod,
    deleteStream,
    deregisterStreamConsumer,
    describeLimits,
    describeStream,
    describeStreamConsumer,
    describeStreamSummary,
    disableEnhancedMonitoring,
    enableEnhancedMonitoring,
    getRecords,
    getShardIterator,
    increaseStreamRetentionPeriod,
    listShards,
    listStreamConsumers,
    listStreams,
    listTagsForResource,
    listTagsForStream,
    mergeShards,
    putRecord,
    putRecords,
    registerStreamConsumer,
    removeTagsFromStream,
    splitShard,
    startStreamEncryption,
    stopStreamEncryption,
    subscribeToShard,
    tagResource,
    untagResource,
    updateMaxRecordSize,
    updateShardCount,
    updateStreamMode,
  ].map((op) => [op.name, op]),
)

export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202'
