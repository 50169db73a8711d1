import type { RecordData, StreamPutOptions } from '../types.ts'
import { invalid, physicalName, sdkCall } from './errors.ts'
import { type AwsCallContext, type AwsMethods, bytesOf } from './service.ts'

/** Kinesis calls take a stream's name or, when the deployment gives one, its ARN. */
function target(ctx: AwsCallContext, name: string): { StreamName: string } | { StreamARN: string } {
  const value = physicalName('stream', name, ctx.env)
  return value.startsWith('arn:') ? { StreamARN: value } : { StreamName: value }
}

function data(value: unknown): Uint8Array {
  if (value === undefined) throw invalid('ValidationException', 'record data is required')
  return bytesOf(value)
}

/**
 * `stream(name)`: PutRecord and PutRecords. Failed records of `putMany` are returned, not retried,
 * as the local binding and Kinesis return them: the caller decides what to resend.
 */
export const streamMethods: AwsMethods = {
  async put(ctx, name, [value, options]) {
    const { partitionKey, explicitHashKey } = (options ?? {}) as Partial<StreamPutOptions>
    const { PutRecordCommand } = await import('@aws-sdk/client-kinesis')
    const kinesis = await ctx.clients.get('kinesis')
    const out = await sdkCall(() =>
      kinesis.send(
        new PutRecordCommand({
          ...target(ctx, name),
          Data: data(value),
          PartitionKey: partitionKey as string,
          ExplicitHashKey: explicitHashKey,
        }),
      ),
    )
    return { shardId: out.ShardId, sequenceNumber: out.SequenceNumber }
  },

  async putMany(ctx, name, [records]) {
    if (!Array.isArray(records) || records.length < 1 || records.length > 500) {
      throw invalid('ValidationException', 'putMany takes 1 to 500 records')
    }
    const entries = (records as Array<{ data: RecordData } & StreamPutOptions>).map((r) => ({
      Data: data(r.data),
      PartitionKey: r.partitionKey,
      ExplicitHashKey: r.explicitHashKey,
    }))
    const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis')
    const kinesis = await ctx.clients.get('kinesis')
    const out = await sdkCall(() =>
      kinesis.send(new PutRecordsCommand({ ...target(ctx, name), Records: entries })),
    )
    return {
      failedRecordCount: out.FailedRecordCount ?? 0,
      records: (out.Records ?? []).map((r) =>
        r.ErrorCode
          ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' }
          : { shardId: r.ShardId, sequenceNumber: r.SequenceNumber },
      ),
    }
  },
}
