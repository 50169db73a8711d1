import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { cdk } from '../../kind/cdk-synth.ts'
import type { SynthFace } from '../../kind/synth.ts'
import { WEBHOOK_DEFAULTS } from '../../monitor/notify/config.ts'
import type { TopicDefinition } from './definition.ts'

const { PolicyStatement } = cdk.aws_iam
const { SubscriptionProtocol, Topic } = cdk.aws_sns
const { EmailSubscription, LambdaSubscription, SqsSubscription, UrlSubscription } = cdk.aws_sns_subscriptions

/** What `topic(name).publish` calls on AWS. */
export const TOPIC_WRITE_ACTIONS = ['sns:Publish']

type Subscription = TopicDefinition['subscriptions'][number]
const protocol = (s: Subscription) => ('protocol' in s ? s.protocol : undefined)

/**
 * Topics become SNS standard topics refusing requests without TLS; queue, function, e-mail and
 * webhook (HTTP/S) subscriptions become SNS subscriptions. The outbox file and the SMTP and
 * signing settings have no SNS counterpart.
 */
export const topicSynth: SynthFace<TopicDefinition> = {
  localOnly: [
    {
      path: 'subscriptions[].outbox',
      why: 'no AWS counterpart: the outbox file is for local runs',
      isSet: (t) => t.subscriptions.some((s) => protocol(s) === 'outbox'),
    },
    {
      path: 'subscriptions[].smtp',
      why: 'SNS sends e-mail itself',
      isSet: (t) =>
        t.subscriptions.some((s) => protocol(s) === 'email' && 'smtp' in s && s.smtp !== undefined),
    },
    {
      path: 'subscriptions[].secret',
      why: 'SNS signs its HTTP/S messages with its own certificate, not an HMAC header',
      isSet: (t) =>
        t.subscriptions.some((s) => protocol(s) === 'webhook' && 'secret' in s && s.secret !== undefined),
    },
    {
      path: 'subscriptions[].timeoutSeconds',
      why: "SNS's HTTP/S delivery timeout is not configurable",
      isSet: (t) =>
        t.subscriptions.some(
          (s) =>
            protocol(s) === 'webhook' &&
            'timeoutSeconds' in s &&
            s.timeoutSeconds !== WEBHOOK_DEFAULTS.timeoutSeconds,
        ),
    },
  ],
  synth(ctx, topics) {
    for (const { name, config } of topics) {
      const topic = new Topic(ctx.stack, ctx.id('topic', name), { enforceSSL: true })
      ctx.acknowledge(
        topic,
        'AwsSolutions-SNS2',
        'CloudWatch alarms, S3 and EventBridge cannot publish to a topic encrypted with the AWS-managed SNS key; a customer-managed key per topic is left to the user',
      )
      for (const s of config.subscriptions) {
        if ('queue' in s) {
          const queue = ctx.get<IQueue>('queue', s.queue).construct
          topic.addSubscription(new SqsSubscription(queue, { rawMessageDelivery: s.rawMessageDelivery }))
        } else if ('function' in s) {
          ctx.defer(() =>
            topic.addSubscription(
              new LambdaSubscription(ctx.get<IFunction>('function', s.function).construct),
            ),
          )
        } else if (s.protocol === 'email') {
          for (const address of s.email) topic.addSubscription(new EmailSubscription(address))
        } else if (s.protocol === 'webhook') {
          topic.addSubscription(
            new UrlSubscription(s.webhook, {
              protocol: s.webhook.startsWith('https:')
                ? SubscriptionProtocol.HTTPS
                : SubscriptionProtocol.HTTP,
              deliveryPolicy: { healthyRetryPolicy: { numRetries: s.retries } },
            }),
          )
        }
      }
      ctx.add('topic', name, {
        construct: topic,
        physicalName: topic.topicName,
        bindingValue: topic.topicArn,
        grant: (grantee, access) => {
          if (access === 'write')
            grantee.grantPrincipal.addToPrincipalPolicy(
              new PolicyStatement({ actions: TOPIC_WRITE_ACTIONS, resources: [topic.topicArn] }),
            )
        },
      })
      ctx.output('topic', name, 'Arn', topic.topicArn)
    }
  },
}
