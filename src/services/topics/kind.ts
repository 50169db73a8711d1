import { defineKind, type Reference } from '../../kind/kind.ts'
import {
  AsyncInvokeToken,
  DestinationsToken,
  FunctionNamesToken,
  TopicPublisherToken,
} from '../../kind/tokens.ts'
import type { SmtpConfig } from '../../monitor/notify/config.ts'
import { createNotificationProtocols } from '../../monitor/notify/protocols.ts'
import { DashboardUrlToken, MetricsToken } from '../../monitor/tokens.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { QueuesToken, TopicsToken } from '../tokens.ts'
import { createQueueTopicBindings } from './bindings.ts'
import { topicSchema } from './definition.ts'
import { queueTopicDestinations } from './destinations.ts'
import { TopicService } from './topic-service.ts'

/**
 * SNS topics: publishes fan out to queues, functions (asynchronously), e-mail, webhooks and the
 * outbox. Built before the functions (whose handlers publish), so stopped after them.
 */
export const topicKind = defineKind({
  kind: 'topic',
  section: 'topics',
  noun: ['topic', 'topics'],
  title: 'SNS topics',
  layout: 'named',
  schema: topicSchema,
  synth: async () => (await import('./synth.ts')).topicSynth,
  references: (t) =>
    t.subscriptions.flatMap((s, i): Reference[] =>
      'queue' in s
        ? [{ path: ['subscriptions', i, 'queue'], kind: 'queue', name: s.queue, label: 'subscription' }]
        : 'function' in s
          ? [
              {
                path: ['subscriptions', i, 'function'],
                kind: 'function',
                name: s.function,
                label: 'subscription',
              },
            ]
          : [],
    ),
  dependsOn: ['queue'],
  build(ctx, topics) {
    const queues = ctx.need(QueuesToken)
    const asyncInvoke = ctx.later(AsyncInvokeToken)
    // Functions are built after topics (their handlers publish), but subscriptions are resolved
    // now: the definition says which functions there are; once built, the function kind does.
    const declaredFunctions = (ctx.pipeline.functions ?? {}) as Record<string, unknown>
    const builtFunctions = ctx.later(FunctionNamesToken)
    const functionExists = (name: string): boolean => {
      try {
        return builtFunctions()(name)
      } catch {
        return Object.hasOwn(declaredFunctions, name)
      }
    }
    const notify = createNotificationProtocols({
      dataDir: ctx.dataDir,
      clock: ctx.clock,
      logger: ctx.logger,
      smtp: (ctx.pipeline.notifications as { smtp?: SmtpConfig } | undefined)?.smtp,
      dashboardUrl: ctx.need(DashboardUrlToken),
    })
    const service = new TopicService({
      protocols: notify.protocols,
      store: ctx.need(StateStoreToken),
      queues,
      asyncInvocations: { enqueue: (fn, event) => asyncInvoke().enqueue(fn, event) },
      clock: ctx.clock,
      metrics: ctx.need(MetricsToken),
      logger: ctx.logger,
      functionExists,
    })
    service.declareAll(Object.fromEntries(topics.map(({ name, config }) => [name, config])))
    ctx.offer(TopicsToken, service)
    ctx.offer(TopicPublisherToken, service)
    ctx.offer(DestinationsToken, queueTopicDestinations(queues, service))
    const bindings = createQueueTopicBindings(queues, service)
    ctx.serveBinding('topic', (call) => bindings.call(call))
    return { service, notify, stop: () => notify.close() }
  },
})
