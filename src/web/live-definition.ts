import { BucketRegistryToken } from '../lake/tokens.ts'
import { alarmConfigSchema } from '../monitor/alarms/config.ts'
import { AlarmsToken } from '../monitor/tokens.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { Pipeline } from '../pipeline/schema.ts'
import { queueSchema } from '../services/queues/definition.ts'
import { TableRegistryToken, TopicsToken } from '../services/tokens.ts'
import type { TopicDefinition } from '../services/topics/definition.ts'

type Subscription = TopicDefinition['subscriptions'][number]

/**
 * The pipeline as the dashboard draws it: the definition, plus the resources created through the
 * AWS APIs since (queues, topics and their subscriptions, tables, buckets, alarms), each with its kind's
 * defaults, so they appear in the graph and the panels like declared ones.
 *
 * @example
 * buildGraph(liveDefinition(runtime), runtime.bindingUse.list())
 */
export function liveDefinition(runtime: PipelineRuntime): Pipeline {
  const pipeline = runtime.pipeline
  const queues = { ...pipeline.queues }
  for (const name of runtime.queues.names()) {
    if (Object.hasOwn(queues, name)) continue
    const { visibilityTimeoutSeconds, delaySeconds, messageRetentionSeconds, redrive } =
      runtime.queues.config(name)
    queues[name] = queueSchema.parse({
      visibilityTimeout: visibilityTimeoutSeconds,
      delaySeconds,
      messageRetentionPeriod: messageRetentionSeconds,
      ...(redrive
        ? { deadLetterQueue: { queue: redrive.deadLetterQueue, maxReceiveCount: redrive.maxReceiveCount } }
        : {}),
    })
  }
  const topics = { ...pipeline.topics }
  const topicService = runtime.offered(TopicsToken)
  for (const name of topicService?.names() ?? []) {
    const declared = topics[name]?.subscriptions ?? []
    const subscribed = topicService!
      .subscriptions(name)
      .slice(declared.length)
      .flatMap((s): Subscription[] => {
        const sub = s.subscription as {
          protocol: string
          queue?: string
          function?: string
          rawMessageDelivery?: boolean
        }
        if (sub.protocol === 'sqs' && sub.queue)
          return [{ queue: sub.queue, rawMessageDelivery: sub.rawMessageDelivery ?? false }]
        if (sub.protocol === 'lambda' && sub.function) return [{ function: sub.function }]
        return []
      })
    topics[name] = { subscriptions: [...declared, ...subscribed] }
  }
  const tables = { ...pipeline.tables }
  const registry = runtime.offered(TableRegistryToken)
  for (const [name] of registry?.tables ?? []) {
    const entry = registry!.entry(name)
    if (!entry || entry.declared) continue
    tables[name] = { ...entry.definition }
  }
  const buckets = { ...pipeline.buckets }
  for (const { name } of runtime.offered(BucketRegistryToken)?.list() ?? [])
    if (!Object.hasOwn(buckets, name)) buckets[name] = { notifications: [] }
  const alarms = { ...pipeline.alarms }
  const evaluator = runtime.offered(AlarmsToken)
  for (const { name } of evaluator?.listAlarms() ?? []) {
    if (Object.hasOwn(alarms, name) || evaluator!.isDeclared(name)) continue
    const { name: _name, ...config } = evaluator!.definition(name)!
    alarms[name] = alarmConfigSchema.parse(config)
  }
  return { ...pipeline, queues, topics, tables, buckets, alarms }
}
