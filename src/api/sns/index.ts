import { type SubscriptionInput, TOPIC_LIMITS } from '../../services/topics/config.ts'
import { TopicError, type TopicErrorCode } from '../../services/topics/errors.ts'
import { baseType, type TypedAttribute } from '../../services/topics/filter-policy.ts'
import { publishSize } from '../../services/topics/publish-checks.ts'
import { snsProtocol, type TopicService } from '../../services/topics/topic-service.ts'
import { AwsError } from '../errors.ts'
import { offsetPage } from '../offset-page.ts'
import type { OperationContext } from '../operation.ts'
import {
  type QueryAction,
  type QueryParams,
  type QueryResult,
  type QueryService,
  XmlList,
  XmlMap,
  type XmlValue,
} from '../query.ts'

/** Topics and subscriptions per page of ListTopics / ListSubscriptions, as SNS pages them. */
const PAGE = 100

/** Entries per PublishBatch, and what an entry's Id may be (as SQS batch ids). */
const BATCH_ENTRIES = 10
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/

/** The topic service of the current build. */
function topics(ctx: OperationContext): TopicService {
  if (!ctx.pipeline) throw new AwsError('InvalidAction', 'SNS is served with a pipeline (tributary dev)')
  return ctx.pipeline.topics()
}

/** The topic service's error codes as SNS's query protocol spells them (its `awsQueryError` codes). */
const QUERY_CODES: Record<TopicErrorCode, string> = {
  NotFoundException: 'NotFound',
  InvalidParameterException: 'InvalidParameter',
  InvalidParameterValueException: 'ParameterValueInvalid',
  ResourceNotFoundException: 'ResourceNotFound',
  TagLimitExceededException: 'TagLimitExceeded',
}

/** Runs `f`, answering the topic service's errors in SNS's query spelling. */
function sns<T>(f: () => T): T {
  try {
    return f()
  } catch (error) {
    if (error instanceof TopicError)
      throw new AwsError(
        QUERY_CODES[error.code],
        error.message,
        error.code === 'NotFoundException' ? 404 : 400,
      )
    throw error
  }
}

/** The topic name an ARN carries (`arn:aws:sns:<region>:<account>:<name>`), if it is a topic's ARN. */
function topicNameOf(arn: string): string | undefined {
  return /^arn:aws[\w-]*:sns:[^:]*:[^:]*:([A-Za-z0-9_-]{1,256})$/.exec(arn)?.[1]
}

/** The topic an ARN names. */
function topicOf(service: TopicService, arn: string, parameter = 'TopicArn'): string {
  const name = topicNameOf(arn)
  if (name === undefined)
    throw new AwsError(
      'InvalidParameter',
      `Invalid parameter: ${parameter} Reason: An ARN must have 6 elements`,
    )
  if (!service.has(name)) throw new AwsError('NotFound', 'Topic does not exist', 404)
  return name
}

/** The topic a tagging call's `ResourceArn` names (a topic that does not exist: ResourceNotFound). */
function taggedTopic(service: TopicService, arn: string): string {
  const name = topicNameOf(arn)
  if (name === undefined || !service.has(name))
    throw new AwsError('ResourceNotFound', 'Resource does not exist', 404)
  return name
}

/** `Tags.member.N.Key` / `.Value` as a map (a key given twice: the last value). */
function tagList(params: QueryParams, name: string): Record<string, string> {
  return Object.fromEntries(params.structures(name).map((t) => [t.get('Key') ?? '', t.get('Value') ?? '']))
}

/** A page of `items` from `NextToken` (an offset), with the token of the next page. */
function page<T>(items: readonly T[], token: string | undefined) {
  return offsetPage(
    items,
    token,
    PAGE,
    () => new AwsError('InvalidParameter', 'Invalid parameter: NextToken'),
  )
}

/** A subscription ARN as SNS checks one before looking it up (a topic ARN plus an id). */
function subscriptionArnOf(arn: string): string {
  if (!/^arn:aws[\w-]*:sns:[^:]*:[^:]*:[A-Za-z0-9_-]{1,256}:[^:]+$/.test(arn))
    throw new AwsError('InvalidParameter', 'Invalid parameter: SubscriptionArn')
  return arn
}

/** The name a `arn:aws:sqs:…:<name>` or `arn:aws:lambda:…:function:<name>` endpoint ends with. */
function endpointName(endpoint: string, kind: 'sqs' | 'lambda'): string {
  const pattern =
    kind === 'sqs'
      ? /^arn:aws[\w-]*:sqs:[^:]*:[^:]*:([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/
      : /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([A-Za-z0-9_.-]{1,128})(?::[^:]+)?$/
  const match = pattern.exec(endpoint)
  if (!match) throw new AwsError('InvalidParameter', 'Invalid parameter: Endpoint')
  return match[1]!
}

/**
 * What a Subscribe through the API asks for, as a declared subscription is written: `sqs` and
 * `lambda` by ARN, `email` to an address, `http`/`https` to a URL (the pipeline's e-mail and
 * webhook deliveries). Undefined for the protocols Tributary does not serve.
 */
function subscriptionInput(protocol: string, endpoint: string): SubscriptionInput | undefined {
  if (protocol === 'sqs') return { queue: endpointName(endpoint, 'sqs') }
  if (protocol === 'lambda') return { function: endpointName(endpoint, 'lambda') }
  if (protocol === 'email') {
    if (!/^[^\s@]+@[^\s@]+$/.test(endpoint))
      throw new AwsError('InvalidParameter', 'Invalid parameter: Email address')
    return { protocol: 'email', email: endpoint }
  }
  if (protocol === 'http' || protocol === 'https') {
    let url: URL | undefined
    try {
      url = new URL(endpoint)
    } catch {}
    if (!url || url.protocol !== `${protocol}:`)
      throw new AwsError('InvalidParameter', `Invalid parameter: Endpoint must match the specified protocol`)
    return { protocol: 'webhook', webhook: endpoint }
  }
  return undefined
}

/** A `Attributes.entry.N.key` / `.value` map (CreateTopic's and Subscribe's `Attributes`). */
function attributeMap(params: QueryParams): Record<string, string> {
  return Object.fromEntries(params.entries('Attributes').map((e) => [e.key ?? '', e.value ?? '']))
}

/**
 * Publish's `MessageAttributes.entry.N` (`Name`, `Value.DataType`, `Value.StringValue` or, for a
 * `Binary` type, `Value.BinaryValue` in base64): the type and value checks are the topic service's.
 */
function messageAttributes(params: QueryParams): Record<string, TypedAttribute> {
  const attributes: Record<string, TypedAttribute> = {}
  for (const entry of params.entries('MessageAttributes')) {
    const name = entry.Name ?? ''
    const type = entry['Value.DataType'] ?? ''
    const field = baseType(type) === 'Binary' ? 'Binary' : 'String'
    const value = entry[`Value.${field}Value`]
    if (value === undefined && entry[`Value.${field === 'Binary' ? 'String' : 'Binary'}Value`] !== undefined)
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' with type '${type}' must use field '${field}'.`,
      )
    attributes[name] = { type, value: value ?? '' }
  }
  return attributes
}

function action(
  name: string,
  handle: (params: QueryParams, ctx: OperationContext) => QueryResult,
): QueryAction {
  return { name, handle: (params, ctx) => sns(() => handle(params, ctx)) }
}

function subscriptionRow(service: TopicService, topic: string) {
  return service.subscriptions(topic).map((s) => ({
    SubscriptionArn: s.subscriptionArn,
    Owner: service.accountId,
    Protocol: snsProtocol(s),
    Endpoint: s.endpoint,
    TopicArn: service.arn(topic),
  }))
}

const ACTIONS: QueryAction[] = [
  action('CreateTopic', (params, ctx) => {
    const name = params.required('Name')
    const attributes = attributeMap(params)
    if (Object.keys(attributes).some((k) => k.startsWith('Fifo')) || name.endsWith('.fifo'))
      throw new AwsError('InvalidParameter', 'Invalid parameter: FIFO topics are not supported by Tributary')
    const tags = params.has('Tags') ? tagList(params, 'Tags') : undefined
    return { TopicArn: topics(ctx).createTopic(name, attributes, tags) }
  }),
  action('DeleteTopic', (params, ctx) => {
    const service = topics(ctx)
    const arn = params.required('TopicArn')
    const name = topicNameOf(arn)
    if (name === undefined) throw new AwsError('InvalidParameter', 'Invalid parameter: TopicArn')
    // Deleting a topic that does not exist succeeds, as on SNS.
    service.deleteTopic(name)
    return undefined
  }),
  action('TagResource', (params, ctx) => {
    const service = topics(ctx)
    service.tag(taggedTopic(service, params.required('ResourceArn')), tagList(params, 'Tags'))
    // An empty <…Result/>: the model gives these actions an (empty) output shape.
    return {}
  }),
  action('UntagResource', (params, ctx) => {
    const service = topics(ctx)
    service.untag(taggedTopic(service, params.required('ResourceArn')), params.list('TagKeys'))
    // An empty <…Result/>: the model gives these actions an (empty) output shape.
    return {}
  }),
  action('ListTagsForResource', (params, ctx) => {
    const service = topics(ctx)
    const tags = service.tags(taggedTopic(service, params.required('ResourceArn')))
    return { Tags: new XmlList(Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))) }
  }),
  action('ListTopics', (params, ctx) => {
    const service = topics(ctx)
    const { items, next } = page(service.names(), params.get('NextToken'))
    return { Topics: new XmlList(items.map((n) => ({ TopicArn: service.arn(n) }))), NextToken: next }
  }),
  action('GetTopicAttributes', (params, ctx) => {
    const service = topics(ctx)
    const topic = topicOf(service, params.required('TopicArn'))
    return { Attributes: new XmlMap(service.topicAttributes(topic)) }
  }),
  action('SetTopicAttributes', (params, ctx) => {
    const service = topics(ctx)
    const topic = topicOf(service, params.required('TopicArn'))
    service.setTopicAttribute(topic, params.required('AttributeName'), params.get('AttributeValue') ?? '')
    return undefined
  }),
  action('GetSubscriptionAttributes', (params, ctx) => {
    const arn = subscriptionArnOf(params.required('SubscriptionArn'))
    return { Attributes: new XmlMap(topics(ctx).subscriptionAttributes(arn)) }
  }),
  action('SetSubscriptionAttributes', (params, ctx) => {
    const arn = subscriptionArnOf(params.required('SubscriptionArn'))
    const name = params.required('AttributeName')
    topics(ctx).setSubscriptionAttribute(arn, name, params.get('AttributeValue') ?? '')
    return undefined
  }),
  action('Publish', (params, ctx) => {
    const service = topics(ctx)
    const arn = params.get('TopicArn') ?? params.get('TargetArn')
    if (arn === undefined)
      throw new AwsError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      )
    const topic = topicOf(service, arn, params.get('TopicArn') === undefined ? 'TargetArn' : 'TopicArn')
    const message = params.get('Message')
    if (message === undefined || message === '')
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message')
    const attributes = messageAttributes(params)
    const { messageId } = service.publish(topic, message, {
      subject: params.get('Subject'),
      attributes,
      messageStructure: params.get('MessageStructure'),
    })
    return { MessageId: messageId }
  }),
  action('PublishBatch', (params, ctx) => {
    const service = topics(ctx)
    const topic = topicOf(service, params.required('TopicArn'))
    const entries = params.structures('PublishBatchRequestEntries')
    if (entries.length === 0)
      throw new AwsError('EmptyBatchRequest', "The batch request doesn't contain any entries.")
    if (entries.length > BATCH_ENTRIES)
      throw new AwsError(
        'TooManyEntriesInBatchRequest',
        'The batch request contains more entries than permissible.',
      )
    const ids = entries.map((e) => e.get('Id') ?? '')
    if (ids.some((id) => !BATCH_ID.test(id)))
      throw new AwsError(
        'InvalidBatchEntryId',
        "The Id of a batch entry in a batch request doesn't abide by the specification.",
      )
    if (new Set(ids).size !== ids.length)
      throw new AwsError(
        'BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
      )
    const requests = entries.map((e) => ({
      message: e.get('Message'),
      subject: e.get('Subject'),
      messageStructure: e.get('MessageStructure'),
      attributes: messageAttributes(e),
    }))
    const total = requests.reduce((sum, r) => sum + publishSize(r.message ?? '', r.attributes), 0)
    if (total > TOPIC_LIMITS.messageBytes)
      throw new AwsError(
        'BatchRequestTooLong',
        'The length of all the messages put together is more than the limit.',
      )
    const successful: XmlValue[] = []
    const failed: XmlValue[] = []
    requests.forEach((r, i) => {
      try {
        const { messageId } = sns(() =>
          service.publish(topic, r.message ?? '', {
            subject: r.subject,
            attributes: r.attributes,
            messageStructure: r.messageStructure,
          }),
        )
        successful.push({ Id: ids[i], MessageId: messageId })
      } catch (error) {
        if (!(error instanceof AwsError)) throw error
        failed.push({ Id: ids[i], Code: error.code, Message: error.message, SenderFault: 'true' })
      }
    })
    return { Successful: new XmlList(successful), Failed: new XmlList(failed) }
  }),
  action('Subscribe', (params, ctx) => {
    const service = topics(ctx)
    const topic = topicOf(service, params.required('TopicArn'))
    const protocol = params.required('Protocol')
    const endpoint = params.required('Endpoint')
    const attributes = attributeMap(params)
    const input = subscriptionInput(protocol, endpoint)
    if (!input)
      throw new AwsError(
        'InvalidParameter',
        `Invalid parameter: Protocol ${protocol} (Tributary serves sqs, lambda, email, http and https)`,
      )
    return { SubscriptionArn: service.subscribe(topic, input, attributes).subscriptionArn }
  }),
  action('Unsubscribe', (params, ctx) => {
    topics(ctx).unsubscribe(params.required('SubscriptionArn'))
    return undefined
  }),
  action('ListSubscriptions', (params, ctx) => {
    const service = topics(ctx)
    const all = service.names().flatMap((t) => subscriptionRow(service, t))
    const { items, next } = page(all, params.get('NextToken'))
    return { Subscriptions: new XmlList(items), NextToken: next }
  }),
  action('ListSubscriptionsByTopic', (params, ctx) => {
    const service = topics(ctx)
    const topic = topicOf(service, params.required('TopicArn'))
    const { items, next } = page(subscriptionRow(service, topic), params.get('NextToken'))
    return { Subscriptions: new XmlList(items), NextToken: next }
  }),
]

/** SNS on the query protocol (API version 2010-03-31), served under `tributary dev`. */
export const SNS_SERVICE: QueryService = {
  signingName: 'sns',
  version: '2010-03-31',
  xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  actions: new Map(ACTIONS.map((a) => [a.name, a])),
}
