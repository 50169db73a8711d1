import type { IEventSourceDlq, IFunction } from 'aws-cdk-lib/aws-lambda'
import type { ITopic } from 'aws-cdk-lib/aws-sns'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { cdk } from '../kind/cdk-synth.ts'
import { type Destination, named } from '../kind/references.ts'
import type { SynthContext } from '../kind/synth.ts'

const { PolicyStatement } = cdk.aws_iam

/** What Lambda sends a failure record with, by the destination's kind. */
export const DESTINATION_ACTIONS = { queue: ['sqs:SendMessage'], topic: ['sns:Publish'] } as const

/**
 * An on-failure destination of an event source mapping, its role allowed to send there and no
 * more (the CDK's SqsDlq also grants GetQueueAttributes and GetQueueUrl, which Lambda does not need).
 */
export function onFailureDestination(
  ctx: SynthContext,
  fn: IFunction,
  destination: Destination,
): IEventSourceDlq {
  const { kind, arn } = destinationArn(ctx, destination)
  fn.addToRolePolicy(new PolicyStatement({ actions: [...DESTINATION_ACTIONS[kind]], resources: [arn] }))
  return { bind: () => ({ destination: arn }) }
}

/** The ARN of a `{ queue }` or `{ topic }` destination. */
export function destinationArn(
  ctx: SynthContext,
  destination: Destination,
): { kind: 'queue' | 'topic'; arn: string } {
  const { kind, name } = named(destination)
  return kind === 'queue'
    ? { kind, arn: ctx.get<IQueue>('queue', name).construct.queueArn }
    : { kind: 'topic', arn: ctx.get<ITopic>('topic', name).construct.topicArn }
}

/** Lambda's filter patterns, as the CDK takes them (FilterCriteria.filter's output: the JSON text). */
export function filterPatterns(criteria: { filters: readonly { pattern: string }[] } | undefined) {
  return criteria?.filters.map((f) => ({ pattern: f.pattern }))
}
