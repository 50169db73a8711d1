import { invalidTopicParameter } from './errors.ts'

/**
 * The topic attributes SetTopicAttributes (and CreateTopic's `Attributes`) take. They are kept and
 * returned; none changes a delivery here (no KMS, no X-Ray, no HTTP retry policy, no IAM).
 * https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html
 */
export const TOPIC_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ArchivePolicy',
  'DataProtectionPolicy',
  ...['Application', 'Firehose', 'HTTP', 'Lambda', 'SQS'].flatMap((p) => [
    `${p}SuccessFeedbackRoleArn`,
    `${p}SuccessFeedbackSampleRate`,
    `${p}FailureFeedbackRoleArn`,
  ]),
])

/** SNS's DisplayName limit (100 characters, as SMS senders show). */
const DISPLAY_NAME_MAX = 100

const JSON_ATTRIBUTES = new Set(['Policy', 'DeliveryPolicy', 'ArchivePolicy', 'DataProtectionPolicy'])

/** `attributes` with `name` set to `value` (an empty JSON policy removes it), checked as SNS does. */
export function applyTopicAttribute(
  attributes: Readonly<Record<string, string>>,
  name: string,
  value: string,
): Record<string, string> {
  if (!TOPIC_ATTRIBUTE_NAMES.has(name)) throw invalidTopicParameter('AttributeName')
  const next = { ...attributes }
  if (JSON_ATTRIBUTES.has(name)) {
    if (value === '') {
      delete next[name]
      return next
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {}
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw invalidTopicParameter(`${name}: failed to parse JSON.`)
  }
  if (name === 'DisplayName' && value.length > DISPLAY_NAME_MAX) throw invalidTopicParameter('DisplayName')
  if (name === 'SignatureVersion' && value !== '1' && value !== '2')
    throw invalidTopicParameter('SignatureVersion: Invalid value, must be 1 or 2')
  next[name] = value
  return next
}

/** What GetTopicAttributes reports for a topic nothing was set on. */
export function topicAttributeDefaults(topicArn: string, accountId: string): Record<string, string> {
  return {
    DisplayName: '',
    Policy: JSON.stringify({
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: [
            'SNS:GetTopicAttributes',
            'SNS:SetTopicAttributes',
            'SNS:AddPermission',
            'SNS:RemovePermission',
            'SNS:DeleteTopic',
            'SNS:Subscribe',
            'SNS:ListSubscriptionsByTopic',
            'SNS:Publish',
          ],
          Resource: topicArn,
          Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
        },
      ],
    }),
    EffectiveDeliveryPolicy: JSON.stringify({
      http: {
        defaultHealthyRetryPolicy: {
          minDelayTarget: 20,
          maxDelayTarget: 20,
          numRetries: 3,
          numMaxDelayRetries: 0,
          numNoDelayRetries: 0,
          numMinDelayRetries: 0,
          backoffFunction: 'linear',
        },
        disableSubscriptionOverrides: false,
        defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
      },
    }),
  }
}
