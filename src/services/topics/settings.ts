import { invalidTopicParameter } from './errors.ts'
import {
  FILTER_POLICY_SCOPES,
  type FilterPolicy,
  FilterPolicyError,
  type FilterPolicyScope,
  parseFilterPolicy,
} from './filter-policy.ts'

/**
 * What a subscription's attributes (Subscribe's `Attributes`, SetSubscriptionAttributes) set.
 * Only `filterPolicy`, its scope and `rawMessageDelivery` change deliveries; the others are kept
 * and returned (there is no delivery retry policy or IAM role to apply locally).
 */
export interface SubscriptionSettings {
  filterPolicy?: string
  filterPolicyScope?: FilterPolicyScope
  rawMessageDelivery?: boolean
  redrivePolicy?: string
  deliveryPolicy?: string
  subscriptionRoleArn?: string
}

/** The subscription attributes SNS lets callers set, by their SNS names. */
export const SUBSCRIPTION_ATTRIBUTE_NAMES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
] as const

export type SubscriptionAttributeName = (typeof SUBSCRIPTION_ATTRIBUTE_NAMES)[number]

/** Where a setting comes from: SNS words Subscribe's refusals `Attributes Reason: ...`. */
export type SettingSource = 'Subscribe' | 'SetSubscriptionAttributes'

const reason = (source: SettingSource, text: string) =>
  invalidTopicParameter(source === 'Subscribe' ? `Attributes Reason: ${text}` : text)

function checkJson(name: string, value: string, source: SettingSource): void {
  try {
    const parsed = JSON.parse(value) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return
  } catch {}
  throw reason(source, `${name}: failed to parse JSON.`)
}

/**
 * Applies one attribute to `settings` (a copy is returned), checked as SNS checks it. `raw`: whether
 * the subscription's protocol can deliver raw messages (SQS and HTTP can, Lambda and e-mail cannot).
 */
export function applySubscriptionAttribute(
  settings: SubscriptionSettings,
  name: string,
  value: string,
  context: { protocol: string; raw: boolean; source: SettingSource },
): SubscriptionSettings {
  const { source } = context
  const next: SubscriptionSettings = { ...settings }
  switch (name as SubscriptionAttributeName) {
    case 'RawMessageDelivery': {
      const v = value.toLowerCase()
      if (v !== 'true' && v !== 'false')
        throw reason(source, `RawMessageDelivery: Invalid value [${value}]. Must be true or false.`)
      if (v === 'true' && !context.raw)
        throw reason(source, `Delivery protocol [${context.protocol}] does not support raw message delivery.`)
      next.rawMessageDelivery = v === 'true'
      return next
    }
    case 'FilterPolicyScope': {
      if (!FILTER_POLICY_SCOPES.includes(value as FilterPolicyScope))
        throw reason(
          source,
          `FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
        )
      next.filterPolicyScope = value as FilterPolicyScope
      return next
    }
    case 'FilterPolicy':
      if (value === '') delete next.filterPolicy
      else next.filterPolicy = value
      return next
    case 'RedrivePolicy':
      if (value === '') delete next.redrivePolicy
      else {
        checkJson('RedrivePolicy', value, source)
        next.redrivePolicy = value
      }
      return next
    case 'DeliveryPolicy':
      if (value === '') delete next.deliveryPolicy
      else {
        checkJson('DeliveryPolicy', value, source)
        next.deliveryPolicy = value
      }
      return next
    case 'SubscriptionRoleArn':
      next.subscriptionRoleArn = value
      return next
    default:
      throw invalidTopicParameter(
        source === 'Subscribe' ? `Attributes Reason: Unknown attribute ${name}` : 'AttributeName',
      )
  }
}

/** The compiled filter of settings whose policy and scope hold together (SNS checks them as a pair). */
export function compileFilter(
  settings: SubscriptionSettings,
  source: SettingSource,
): { policy: FilterPolicy; scope: FilterPolicyScope } | undefined {
  if (settings.filterPolicy === undefined) return undefined
  const scope = settings.filterPolicyScope ?? 'MessageAttributes'
  try {
    return { policy: parseFilterPolicy(settings.filterPolicy, scope), scope }
  } catch (error) {
    if (error instanceof FilterPolicyError) throw reason(source, error.message)
    throw error
  }
}

/** The attributes GetSubscriptionAttributes reports for the settings (SNS's names, string values). */
export function settingsAttributes(settings: SubscriptionSettings): Record<string, string> {
  const out: Record<string, string> = { RawMessageDelivery: String(settings.rawMessageDelivery ?? false) }
  if (settings.filterPolicy !== undefined) {
    out.FilterPolicy = settings.filterPolicy
    out.FilterPolicyScope = settings.filterPolicyScope ?? 'MessageAttributes'
  } else if (settings.filterPolicyScope !== undefined) out.FilterPolicyScope = settings.filterPolicyScope
  if (settings.redrivePolicy !== undefined) out.RedrivePolicy = settings.redrivePolicy
  if (settings.deliveryPolicy !== undefined) out.DeliveryPolicy = settings.deliveryPolicy
  if (settings.subscriptionRoleArn !== undefined) out.SubscriptionRoleArn = settings.subscriptionRoleArn
  return out
}
