import type { CfnElement } from 'aws-cdk-lib'
import type { IGrantable } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import type { IConstruct } from 'constructs'
import { cdk } from '../../kind/cdk-synth.ts'
import type { SynthContext, SynthFace } from '../../kind/synth.ts'
import type { BucketConfig } from './config.ts'

const { Stack } = cdk
const { PolicyStatement } = cdk.aws_iam
const { BlockPublicAccess, Bucket, BucketEncryption, EventType } = cdk.aws_s3
const { LambdaDestination } = cdk.aws_s3_notifications

/** What the `bucket(name)` bindings call on AWS, by access: on the bucket, on its objects. */
export const BUCKET_ACTIONS = {
  read: { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] },
  write: { bucket: [], objects: ['s3:PutObject', 's3:DeleteObject'] },
} as const

const EVENTS: Record<BucketConfig['notifications'][number]['events'][number], s3.EventType> = {
  's3:ObjectCreated:*': EventType.OBJECT_CREATED,
  's3:ObjectCreated:Put': EventType.OBJECT_CREATED_PUT,
  's3:ObjectCreated:Post': EventType.OBJECT_CREATED_POST,
  's3:ObjectCreated:Copy': EventType.OBJECT_CREATED_COPY,
  's3:ObjectCreated:CompleteMultipartUpload': EventType.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD,
  's3:ObjectRemoved:*': EventType.OBJECT_REMOVED,
  's3:ObjectRemoved:Delete': EventType.OBJECT_REMOVED_DELETE,
}

/**
 * `<bucket ARN>/*` in a policy: objects have no ARN of their own to name instead. The finding id
 * cdk-nag gives the wildcard, acknowledged on `owner` (a role or policy).
 */
export function acknowledgeObjectWildcard(
  ctx: SynthContext,
  owner: IConstruct,
  bucket: s3.Bucket,
  what: string,
): void {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)
  ctx.acknowledge(
    owner,
    `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`,
    `${what} the objects of one bucket, which S3 names only as <bucket ARN>/*`,
  )
}

/**
 * Buckets become S3 buckets (S3-managed encryption, public access blocked, TLS only, kept when
 * the stack is destroyed), their notifications S3 event notifications invoking the functions.
 */
export const bucketSynth: SynthFace<BucketConfig> = {
  localOnly: [],
  synth(ctx, buckets) {
    for (const { name, config } of buckets) {
      const bucket = new Bucket(ctx.stack, ctx.id('bucket', name), {
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
      })
      ctx.acknowledge(
        bucket,
        'AwsSolutions-S1',
        "server access logs need a log bucket and cost per request; CloudTrail data events or access logs are the user's choice",
      )
      for (const n of config.notifications) {
        const fn = ctx.get<IFunction>('function', n.function).construct
        const filter = {
          ...(n.prefix ? { prefix: n.prefix } : {}),
          ...(n.suffix ? { suffix: n.suffix } : {}),
        }
        for (const event of n.events)
          bucket.addEventNotification(EVENTS[event], new LambdaDestination(fn), filter)
      }
      ctx.add('bucket', name, {
        construct: bucket,
        physicalName: bucket.bucketName,
        bindingValue: bucket.bucketName,
        grant: (grantee: IGrantable, access) => {
          const actions = BUCKET_ACTIONS[access]
          if (actions.bucket.length > 0)
            grantee.grantPrincipal.addToPrincipalPolicy(
              new PolicyStatement({ actions: [...actions.bucket], resources: [bucket.bucketArn] }),
            )
          grantee.grantPrincipal.addToPrincipalPolicy(
            new PolicyStatement({ actions: [...actions.objects], resources: [bucket.arnForObjects('*')] }),
          )
          acknowledgeObjectWildcard(
            ctx,
            grantee.grantPrincipal as unknown as IConstruct,
            bucket,
            `the bindings' ${access}s reach`,
          )
        },
      })
      ctx.output('bucket', name, 'Name', bucket.bucketName)
    }
    acknowledgeNotificationsHandler(ctx)
  },
}

/** CDK's singleton function that sets bucket notifications (a custom resource), when there is one. */
function acknowledgeNotificationsHandler(ctx: SynthContext): void {
  const handler = ctx.stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'))
  if (!handler) return
  const why = "CDK's own custom resource that sets the buckets' notifications"
  ctx.acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    `${why}: logs only`,
  )
  ctx.acknowledge(
    handler,
    'AwsSolutions-IAM5[Resource::*]',
    `${why}: s3:PutBucketNotification on the stack's buckets (CDK's policy)`,
  )
}
