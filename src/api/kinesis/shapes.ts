import type { StreamEngine } from '../../engine/engine.ts'
import type { ShardRuntime, StreamRuntime } from '../../engine/stream-state.ts'
import { hashKeyToDecimal } from '../../stream/hash-key.ts'
import type { FieldSpec } from '../spec.ts'

/** Field specs shared by many operations (AWS's model constraints). */
export const STREAM_NAME = {
  type: 'String',
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 128,
} as const satisfies FieldSpec

/** StreamName for operations that also accept StreamARN: one of the two must be there. */
export const STREAM_NAME_OR_ARN = { ...STREAM_NAME, notNullUnless: 'StreamARN' } as const satisfies FieldSpec

export const STREAM_ARN = {
  type: 'String',
  regex: 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2048,
} as const satisfies FieldSpec

export const RESOURCE_ARN = {
  type: 'String',
  notNull: true,
  regex: 'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2048,
} as const satisfies FieldSpec

export const SHARD_ID = {
  type: 'String',
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 128,
} as const satisfies FieldSpec

export const HASH_KEY = { type: 'String', regex: '0|([1-9]\\d{0,38})' } as const satisfies FieldSpec
export const SEQUENCE_NUMBER = { type: 'String', regex: '0|([1-9]\\d{0,128})' } as const satisfies FieldSpec

/** The members by which a request designates its stream (either, or both). */
export interface StreamDesignation {
  StreamName?: string | undefined
  StreamARN?: string | undefined
}

/** The stream name a request designates by StreamName and/or StreamARN. */
export function streamNameOf(ctx: { engine: StreamEngine }, input: StreamDesignation): string {
  return ctx.engine.resolveName(input.StreamName, input.StreamARN)
}

export function shardShape(shard: ShardRuntime): Record<string, unknown> {
  const s = shard.state
  return {
    ShardId: shard.id,
    ...(s.parent !== undefined && { ParentShardId: `shardId-${String(s.parent).padStart(12, '0')}` }),
    ...(s.adjacentParent !== undefined && {
      AdjacentParentShardId: `shardId-${String(s.adjacentParent).padStart(12, '0')}`,
    }),
    HashKeyRange: { StartingHashKey: hashKeyToDecimal(s.start), EndingHashKey: hashKeyToDecimal(s.end) },
    SequenceNumberRange: {
      StartingSequenceNumber: shard.startingSequenceNumber,
      ...(shard.endingSequenceNumber !== undefined && { EndingSequenceNumber: shard.endingSequenceNumber }),
    },
  }
}

export function streamModeDetails(stream: StreamRuntime) {
  return { StreamMode: stream.state.mode }
}

export function encryptionShape(stream: StreamRuntime) {
  return {
    EncryptionType: stream.state.encryptionType,
    ...(stream.state.keyId !== undefined && { KeyId: stream.state.keyId }),
  }
}

export function creationTimestamp(stream: StreamRuntime): Date {
  return new Date(Math.floor(stream.state.createdAt / 1000) * 1000)
}
