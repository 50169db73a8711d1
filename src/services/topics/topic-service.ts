import { randomUUID } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { AsyncInvoker } from '../../contracts/functions.ts'
import type { Notification, SubscriptionProtocol } from '../../contracts/topics.ts'
import { MetricScopes } from '../../monitor/catalog/scope.ts'
import { SNS } from '../../monitor/catalog/sns.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Clock, systemClock } from '../../util/clock.ts'
import { InvalidConfigError } from '../../util/invalid-config.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import type { QueueService } from '../queues/queue-service.ts'
import {
  checkTopicName,
  protocolOf,
  type SubscriptionInput,
  TOPIC_LIMITS,
  TOPIC_NAME,
  type TopicConfig,
} from './config.ts'
import { sign, signingCertUrl, subscriptionArn } from './envelope.ts'
import { invalidTopicParameter, TopicError, topicNotFound } from './errors.ts'
import { type FilterPolicy, type FilterPolicyScope, matchesFilterPolicy } from './filter-policy.ts'
import { functionProtocol, queueProtocol } from './protocols.ts'
import { checkPublish, type PublishOptions, publishSize, structuredMessages } from './publish-checks.ts'
import {
  applySubscriptionAttribute,
  compileFilter,
  type SubscriptionSettings,
  settingsAttributes,
} from './settings.ts'
import { applyTopicAttribute, topicAttributeDefaults } from './topic-attributes.ts'

export type { PublishOptions } from './publish-checks.ts'

export interface TopicServiceOptions {
  store: StateStore
  queues: QueueService
  /** Runs function subscriptions (Lambda's asynchronous invocation). */
  asyncInvocations: AsyncInvoker
  clock?: Clock
  metrics?: MetricSink
  logger?: Logger
  /** Whether a function exists, to check `{ function }` subscriptions when declared. */
  functionExists?: (name: string) => boolean
  /** Further subscription protocols (e-mail, webhooks); `sqs` and `lambda` are built in. */
  protocols?: readonly SubscriptionProtocol<{ protocol: string }>[]
}

export interface TopicSubscription {
  protocol: string
  endpoint: string
  subscriptionArn: string
  subscription: { protocol: string }
}

/** SNS's name for a subscription's protocol: a webhook is `http` or `https` by its URL. */
export function snsProtocol(s: Pick<TopicSubscription, 'protocol' | 'endpoint'>): string {
  return s.protocol === 'webhook' ? (s.endpoint.startsWith('https:') ? 'https' : 'http') : s.protocol
}

/**
 * SNS topics: `publish` fans a message out to every subscription in one transaction (queues get
 * the SNS envelope or the raw message, functions get Lambda's SNS event through the asynchronous
 * invocation queue), so the publisher never waits for a subscriber. Topics are declared from the
 * pipeline definition at start; what they deliver is durable in the queues and the async queue.
 *
 * @example
 * const topics = new TopicService({ store, queues, asyncInvocations })
 * topics.declare('alerts', { subscriptions: [{ queue: 'alert-log' }, { function: 'pager' }] })
 * topics.publish('alerts', 'disk full', { subject: 'ALARM' })
 */
export class TopicService {
  readonly region: string
  readonly accountId: string
  readonly #store: StateStore
  readonly #clock: Clock
  readonly #metrics: MetricScopes<'TopicName'>
  readonly #logger: Logger
  readonly #protocols = new Map<string, SubscriptionProtocol<{ protocol: string }>>()
  /** Topics the pipeline definition declares, with their subscriptions. */
  readonly #topics = new Map<string, TopicSubscription[]>()
  /** Topics created through the API (CreateTopic), kept in the state store. */
  readonly #created = new Set<string>()
  /** Subscriptions made through the API (Subscribe), by topic, kept in the state store. */
  readonly #subscribed = new Map<string, TopicSubscription[]>()
  readonly #sql: {
    insertTopic: Statement
    deleteTopic: Statement
    insertSubscription: Statement
    deleteSubscription: Statement
    deleteSubscriptionsOf: Statement
    putSettings: Statement
    deleteSettings: Statement
    putTopicAttributes: Statement
    deleteTopicAttributes: Statement
  }
  /** Subscription attributes set through the API, by subscription ARN (declared ones too). */
  readonly #settings = new Map<string, SubscriptionSettings>()
  readonly #filters = new Map<string, { policy: FilterPolicy; scope: FilterPolicyScope }>()
  /** Topic attributes set through the API (SetTopicAttributes, CreateTopic's Attributes). */
  readonly #topicAttributes = new Map<string, Record<string, string>>()
  readonly #signingKey: Buffer
  readonly #tags: ResourceTags

  constructor(options: TopicServiceOptions) {
    this.#store = options.store
    this.#clock = options.clock ?? systemClock
    this.#metrics = new MetricScopes(options.metrics, 'TopicName', this.#clock)
    this.#logger = options.logger ?? silentLogger
    this.region = options.queues.region
    this.accountId = options.queues.accountId
    const builtIn = [
      queueProtocol(options.queues),
      functionProtocol(options.asyncInvocations, this.region, this.accountId, options.functionExists),
    ] as SubscriptionProtocol<{ protocol: string }>[]
    for (const protocol of [...builtIn, ...(options.protocols ?? [])])
      this.#protocols.set(protocol.protocol, protocol)
    this.#signingKey = options.store.secret('topics:signing-key')
    this.#tags = new ResourceTags(options.store)
    options.store.ensureSchema('sns-api', [
      `CREATE TABLE sns_api_topics (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)`,
      `CREATE TABLE sns_api_subscriptions (
         arn TEXT PRIMARY KEY, topic TEXT NOT NULL, input TEXT NOT NULL, created_at INTEGER NOT NULL)`,
      `CREATE TABLE sns_api_subscription_settings (arn TEXT PRIMARY KEY, topic TEXT NOT NULL, settings TEXT NOT NULL);
       CREATE TABLE sns_api_topic_attributes (name TEXT PRIMARY KEY, attributes TEXT NOT NULL)`,
    ])
    const p = (sql: string) => options.store.db.prepare(sql)
    this.#sql = {
      insertTopic: p('INSERT OR IGNORE INTO sns_api_topics (name, created_at) VALUES (?, ?)'),
      deleteTopic: p('DELETE FROM sns_api_topics WHERE name = ?'),
      insertSubscription: p(
        'INSERT OR IGNORE INTO sns_api_subscriptions (arn, topic, input, created_at) VALUES (?, ?, ?, ?)',
      ),
      deleteSubscription: p('DELETE FROM sns_api_subscriptions WHERE arn = ?'),
      deleteSubscriptionsOf: p('DELETE FROM sns_api_subscriptions WHERE topic = ?'),
      putSettings: p(
        'INSERT OR REPLACE INTO sns_api_subscription_settings (arn, topic, settings) VALUES (?, ?, ?)',
      ),
      deleteSettings: p('DELETE FROM sns_api_subscription_settings WHERE arn = ?'),
      putTopicAttributes: p(
        'INSERT OR REPLACE INTO sns_api_topic_attributes (name, attributes) VALUES (?, ?)',
      ),
      deleteTopicAttributes: p('DELETE FROM sns_api_topic_attributes WHERE name = ?'),
    }
    for (const row of p('SELECT arn, settings FROM sns_api_subscription_settings').all() as {
      arn: string
      settings: string
    }[]) {
      const settings = JSON.parse(row.settings) as SubscriptionSettings
      this.#settings.set(row.arn, settings)
      const filter = compileFilter(settings, 'SetSubscriptionAttributes')
      if (filter) this.#filters.set(row.arn, filter)
    }
    for (const row of p('SELECT name, attributes FROM sns_api_topic_attributes').all() as {
      name: string
      attributes: string
    }[])
      this.#topicAttributes.set(row.name, JSON.parse(row.attributes))
    for (const row of p('SELECT name FROM sns_api_topics').all() as { name: string }[])
      this.#created.add(row.name)
    const rows = p('SELECT topic, input FROM sns_api_subscriptions ORDER BY created_at, arn').all() as {
      topic: string
      input: string
    }[]
    for (const row of rows) {
      try {
        this.#addSubscribed(row.topic, this.#resolve(row.topic, JSON.parse(row.input), 'Endpoint'))
      } catch (error) {
        // A subscription to a queue or function the definition no longer has: kept, not served.
        this.#logger.warn(
          `topic ${row.topic}: a subscription made through the API is not served: ${String(error)}`,
        )
      }
    }
  }

  #resolve(topic: string, input: SubscriptionInput, path: string): TopicSubscription {
    const protocol = this.#protocols.get(protocolOf(input, path))
    if (!protocol)
      throw new InvalidConfigError(`${path}.protocol`, `unknown protocol '${protocolOf(input, path)}'`)
    const subscription = protocol.resolve(input as Record<string, unknown>, path)
    const endpoint = protocol.endpoint(subscription)
    const arn = subscriptionArn(this.arn(topic), protocol.protocol, endpoint)
    return { protocol: protocol.protocol, endpoint, subscriptionArn: arn, subscription }
  }

  #addSubscribed(topic: string, subscription: TopicSubscription): void {
    const list = this.#subscribed.get(topic) ?? []
    if (!list.some((s) => s.subscriptionArn === subscription.subscriptionArn)) list.push(subscription)
    this.#subscribed.set(topic, list)
  }

  /** Whether the pipeline definition declares the topic (the API may not delete it). */
  declared(name: string): boolean {
    return this.#topics.has(name)
  }

  /**
   * CreateTopic: a topic kept in the state store beside the declared ones; creating one that
   * exists returns it, as SNS does.
   */
  createTopic(
    name: string,
    attributes: Readonly<Record<string, string>> = {},
    tags?: Readonly<Record<string, string>>,
  ): string {
    if (!TOPIC_NAME.test(name)) throw invalidTopicParameter('Topic Name')
    let set: Record<string, string> = {}
    for (const [key, value] of Object.entries(attributes)) set = applyTopicAttribute(set, key, value)
    if (tags !== undefined) checkTags({}, tags)
    if (this.has(name)) {
      if (tags !== undefined && !sameTags(this.#tags.get(this.arn(name)), tags))
        throw invalidTopicParameter('Tags Reason: Topic already exists with different tags')
    } else {
      this.#store.transaction(() => {
        this.#sql.insertTopic.run(name, this.#clock.now())
        if (Object.keys(set).length > 0) this.#sql.putTopicAttributes.run(name, JSON.stringify(set))
        if (tags !== undefined) this.#tags.put(this.arn(name), tags)
      })
      this.#created.add(name)
      if (Object.keys(set).length > 0) this.#topicAttributes.set(name, set)
    }
    return this.arn(name)
  }

  /**
   * GetTopicAttributes: what was set (SetTopicAttributes), SNS's defaults for the rest, and the
   * topic's subscription counts (every subscription is confirmed at once).
   */
  topicAttributes(name: string): Record<string, string> {
    const subscriptions = this.subscriptions(name).length
    return {
      ...topicAttributeDefaults(this.arn(name), this.accountId),
      ...this.#topicAttributes.get(name),
      TopicArn: this.arn(name),
      Owner: this.accountId,
      SubscriptionsConfirmed: String(subscriptions),
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    }
  }

  /** SetTopicAttributes: kept in the state store (declared topics' too) and returned by {@link topicAttributes}. */
  setTopicAttribute(name: string, attribute: string, value: string): void {
    if (!this.has(name)) throw topicNotFound()
    const next = applyTopicAttribute(this.#topicAttributes.get(name) ?? {}, attribute, value)
    this.#sql.putTopicAttributes.run(name, JSON.stringify(next))
    this.#topicAttributes.set(name, next)
  }

  /** ListTagsForResource: a topic's tags by key (declared topics take tags too). */
  tags(name: string): Record<string, string> {
    if (!this.has(name)) throw resourceNotFound()
    return this.#tags.get(this.arn(name))
  }

  /** TagResource: adds or overwrites tags, within SNS's quotas (50 a topic; keys 1–128, values ≤ 256). */
  tag(name: string, tags: Readonly<Record<string, string>>): void {
    if (!this.has(name)) throw resourceNotFound()
    checkTags(this.#tags.get(this.arn(name)), tags)
    this.#tags.put(this.arn(name), tags)
  }

  /** UntagResource: removes tags by key; keys the topic lacks are ignored. */
  untag(name: string, keys: readonly string[]): void {
    if (!this.has(name)) throw resourceNotFound()
    this.#tags.remove(this.arn(name), keys)
  }

  /** DeleteTopic: a topic created through the API, with its subscriptions; none: nothing to do. */
  deleteTopic(name: string): void {
    if (this.#topics.has(name))
      throw invalidTopicParameter(`Topic ${name} is declared in the pipeline definition; remove it there`)
    const arns = (this.#subscribed.get(name) ?? []).map((s) => s.subscriptionArn)
    this.#store.transaction(() => {
      for (const arn of arns) this.#sql.deleteSettings.run(arn)
      this.#sql.deleteSubscriptionsOf.run(name)
      this.#sql.deleteTopicAttributes.run(name)
      this.#sql.deleteTopic.run(name)
      this.#tags.removeAll(this.arn(name))
    })
    for (const arn of arns) this.#forget(arn)
    this.#created.delete(name)
    this.#subscribed.delete(name)
    this.#topicAttributes.delete(name)
  }

  /**
   * Subscribe: a subscription kept in the state store, delivered like a declared one (`input` as
   * the definition writes one: `{ queue }`, `{ function }`). Subscribing twice returns the first.
   */
  subscribe(
    topic: string,
    input: SubscriptionInput,
    attributes: Readonly<Record<string, string>> = {},
  ): TopicSubscription {
    if (!this.has(topic)) throw topicNotFound()
    let subscription: TopicSubscription
    try {
      subscription = this.#resolve(topic, input, 'Endpoint')
    } catch (error) {
      if (error instanceof InvalidConfigError) throw invalidTopicParameter(error.message)
      throw error
    }
    let settings: SubscriptionSettings = {}
    for (const [name, value] of Object.entries(attributes))
      settings = applySubscriptionAttribute(
        settings,
        name,
        value,
        this.#settingContext(subscription, 'Subscribe'),
      )
    const filter = compileFilter(settings, 'Subscribe')
    const arn = subscription.subscriptionArn
    const existing = this.subscriptions(topic).find((s) => s.subscriptionArn === arn)
    if (existing) {
      const current = this.#settings.get(arn) ?? {}
      const differs = Object.entries(settings).some(
        ([k, v]) => current[k as keyof SubscriptionSettings] !== v,
      )
      if (differs)
        throw invalidTopicParameter(
          'Attributes Reason: Subscription already exists with different attributes',
        )
      return existing
    }
    this.#store.transaction(() => {
      this.#sql.insertSubscription.run(arn, topic, JSON.stringify(input), this.#clock.now())
      if (Object.keys(settings).length > 0) this.#sql.putSettings.run(arn, topic, JSON.stringify(settings))
    })
    this.#addSubscribed(topic, subscription)
    if (Object.keys(settings).length > 0) this.#settings.set(arn, settings)
    if (filter) this.#filters.set(arn, filter)
    return subscription
  }

  #settingContext(s: TopicSubscription, source: 'Subscribe' | 'SetSubscriptionAttributes') {
    return { protocol: s.protocol, raw: 'rawMessageDelivery' in s.subscription, source }
  }

  #forget(arn: string): void {
    this.#settings.delete(arn)
    this.#filters.delete(arn)
  }

  /** The topic and the subscription an ARN names, declared or made through the API. */
  #find(arn: string): { topic: string; subscription: TopicSubscription } {
    for (const topic of this.names()) {
      const subscription = this.subscriptions(topic).find((s) => s.subscriptionArn === arn)
      if (subscription) return { topic, subscription }
    }
    throw new TopicError('NotFoundException', 'Subscription does not exist')
  }

  /** GetSubscriptionAttributes: the subscription, and what its attributes set. */
  subscriptionAttributes(arn: string): Record<string, string> {
    const { topic, subscription } = this.#find(arn)
    const settings = this.#settings.get(arn) ?? {}
    const { rawMessageDelivery } = subscription.subscription as { rawMessageDelivery?: boolean }
    return {
      Owner: this.accountId,
      TopicArn: this.arn(topic),
      Endpoint: subscription.endpoint,
      Protocol: snsProtocol(subscription),
      SubscriptionArn: arn,
      PendingConfirmation: 'false',
      ConfirmationWasAuthenticated: 'true',
      ...settingsAttributes({ ...settings, rawMessageDelivery: rawMessageDelivery ?? false }),
    }
  }

  /**
   * SetSubscriptionAttributes: checked as SNS checks it (a filter policy against its scope), kept
   * in the state store, applied from the next publish on. Declared subscriptions take them too.
   */
  setSubscriptionAttribute(arn: string, name: string, value: string): void {
    const { topic, subscription } = this.#find(arn)
    const context = this.#settingContext(subscription, 'SetSubscriptionAttributes')
    const settings = applySubscriptionAttribute(this.#settings.get(arn) ?? {}, name, value, context)
    const filter = compileFilter(settings, 'SetSubscriptionAttributes')
    this.#sql.putSettings.run(arn, topic, JSON.stringify(settings))
    this.#settings.set(arn, settings)
    if (filter) this.#filters.set(arn, filter)
    else this.#filters.delete(arn)
  }

  /** Unsubscribe: a subscription made through the API. */
  unsubscribe(subscriptionArn: string): void {
    for (const list of this.#subscribed.values()) {
      const i = list.findIndex((s) => s.subscriptionArn === subscriptionArn)
      if (i < 0) continue
      this.#store.transaction(() => {
        this.#sql.deleteSubscription.run(subscriptionArn)
        this.#sql.deleteSettings.run(subscriptionArn)
      })
      list.splice(i, 1)
      this.#forget(subscriptionArn)
      return
    }
    for (const list of this.#topics.values())
      if (list.some((s) => s.subscriptionArn === subscriptionArn))
        throw invalidTopicParameter(
          'the subscription is declared in the pipeline definition; remove it there',
        )
    throw new TopicError('NotFoundException', 'Subscription does not exist')
  }

  /** Creates or replaces a topic and its subscriptions. */
  declare(name: string, config: TopicConfig = {}): TopicSubscription[] {
    const path = `topics.${name}`
    checkTopicName(name, path)
    const subscriptions = (config.subscriptions ?? []).map((input, i) =>
      this.#resolve(name, input, `${path}.subscriptions[${i}]`),
    )
    this.#topics.set(name, subscriptions)
    return subscriptions
  }

  declareAll(topics: Readonly<Record<string, TopicConfig>>): void {
    for (const [name, config] of Object.entries(topics)) this.declare(name, config)
  }

  has(name: string): boolean {
    return this.#topics.has(name) || this.#created.has(name)
  }

  names(): string[] {
    return [...new Set([...this.#topics.keys(), ...this.#created])].sort()
  }

  arn(name: string): string {
    return `arn:aws:sns:${this.region}:${this.accountId}:${name}`
  }

  /**
   * The topic's subscriptions: declared ones, then those made through the API, each as it
   * delivers (a RawMessageDelivery set through the API shows in `subscription`).
   */
  subscriptions(name: string): TopicSubscription[] {
    if (!this.has(name)) throw topicNotFound()
    const declared = this.#topics.get(name) ?? []
    const subscribed = this.#subscribed.get(name)
    const all = subscribed && subscribed.length > 0 ? [...declared, ...subscribed] : declared
    if (this.#settings.size === 0) return all
    return all.map((s) => {
      const raw = this.#settings.get(s.subscriptionArn)?.rawMessageDelivery
      return raw === undefined ? s : { ...s, subscription: { ...s.subscription, rawMessageDelivery: raw } }
    })
  }

  /**
   * Publish: validates as SNS does, then delivers to every subscription. A subscription that
   * refuses (e.g. the envelope is too large for the queue) counts as NumberOfNotificationsFailed;
   * the publish itself still succeeds, as on SNS.
   */
  publish(topic: string, message: string, options: PublishOptions = {}): { messageId: string } {
    const subscriptions = this.subscriptions(topic)
    const typed = checkPublish(message, options)
    const messages = structuredMessages(message, options.messageStructure)
    const attributes: Record<string, string> = {}
    const attributeTypes: Record<string, string> = {}
    for (const [name, a] of Object.entries(typed)) {
      attributes[name] = a.value
      attributeTypes[name] = a.type
    }
    const messageId = randomUUID()
    const timestamp = new Date(this.#clock.now()).toISOString()
    // One notification per distinct message (MessageStructure gives each protocol its own).
    const notifications = new Map<string, Notification>()
    const notificationOf = (text: string): Notification => {
      const known = notifications.get(text)
      if (known) return known
      const base = {
        messageId,
        topicArn: this.arn(topic),
        subject: options.subject,
        message: text,
        timestamp,
        attributes,
        attributeTypes,
      }
      const notification = {
        ...base,
        signature: sign(this.#signingKey, base),
        signingCertUrl: signingCertUrl(this.region),
      }
      notifications.set(text, notification)
      return notification
    }
    let delivered = 0
    let failed = 0
    this.#store.transaction(() => {
      for (const s of subscriptions) {
        const protocol = this.#protocols.get(s.protocol)!
        const key = protocol.messageKey?.(s.subscription) ?? s.protocol
        const text = messages[key] ?? messages.default!
        const filter = this.#filters.get(s.subscriptionArn)
        if (filter && !matchesFilterPolicy(filter.policy, filter.scope, typed, text)) continue
        try {
          protocol.deliver(notificationOf(text), s.subscription, s.subscriptionArn)
          delivered++
        } catch (error) {
          failed++
          this.#logger.warn(`topic ${topic}: delivery to ${s.endpoint} failed: ${String(error)}`)
        }
      }
    })
    const metrics = this.#metrics.of(topic)
    metrics.record(SNS.NumberOfMessagesPublished, 1)
    metrics.record(SNS.PublishSize, publishSize(message, typed))
    if (delivered > 0) metrics.record(SNS.NumberOfNotificationsDelivered, delivered)
    if (failed > 0) metrics.record(SNS.NumberOfNotificationsFailed, failed)
    return { messageId }
  }
}

const resourceNotFound = () => new TopicError('ResourceNotFoundException', 'Resource does not exist')

/** SNS's tag quotas, checked before anything is written. */
function checkTags(existing: Readonly<Record<string, string>>, tags: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TOPIC_LIMITS.tagKeyLength)
      throw invalidTopicParameter(
        `Tags Reason: A tag key must be 1 to ${TOPIC_LIMITS.tagKeyLength} characters long`,
      )
    if (value.length > TOPIC_LIMITS.tagValueLength)
      throw invalidTopicParameter(
        `Tags Reason: A tag value must be at most ${TOPIC_LIMITS.tagValueLength} characters long`,
      )
  }
  if (Object.keys({ ...existing, ...tags }).length > TOPIC_LIMITS.tags)
    throw new TopicError(
      'TagLimitExceededException',
      'Could not complete request: tag quota of per resource exceeded',
    )
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}
