import { cdk } from '../kind/cdk-synth.ts'
import type { SynthFace } from '../kind/synth.ts'
import type { StreamConfig } from './config.ts'

const { Duration } = cdk
const { PolicyStatement } = cdk.aws_iam
const { Stream, StreamEncryption, StreamMode } = cdk.aws_kinesis

/** What `stream(name).put`/`putMany` call on AWS. */
export const STREAM_WRITE_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords']

/**
 * Streams become Kinesis data streams: the mode, shard count and retention as declared,
 * encrypted with the AWS-managed key (no key policy to keep, no cost per key).
 */
export const streamSynth: SynthFace<StreamConfig> = {
  localOnly: [
    {
      path: 'shardLimits',
      why: 'Kinesis enforces its shard limits itself',
      isSet: (s) => s.shardLimits === false,
    },
  ],
  synth(ctx, streams) {
    for (const { name, config } of streams) {
      const stream = new Stream(ctx.stack, ctx.id('stream', name), {
        streamMode: config.mode === 'ON_DEMAND' ? StreamMode.ON_DEMAND : StreamMode.PROVISIONED,
        ...(config.mode === 'PROVISIONED' ? { shardCount: config.shardCount } : {}),
        retentionPeriod: Duration.hours(config.retentionHours),
        encryption: StreamEncryption.MANAGED,
      })
      ctx.add('stream', name, {
        construct: stream,
        physicalName: stream.streamName,
        bindingValue: stream.streamName,
        grant: (grantee, access) => {
          if (access === 'write')
            grantee.grantPrincipal.addToPrincipalPolicy(
              new PolicyStatement({ actions: STREAM_WRITE_ACTIONS, resources: [stream.streamArn] }),
            )
        },
      })
      ctx.output('stream', name, 'Arn', stream.streamArn)
    }
  },
}
