import { onTestFinished } from 'vitest'
import type { SubscriptionProtocol } from '../../../src/contracts/topics.ts'
import { AsyncInvocations } from '../../../src/functions/async/async-invocations.ts'
import { TopicService } from '../../../src/services/topics/topic-service.ts'
import { openQueues, type QueueFixture } from '../queues/fixtures.ts'
import { FunctionInvoker, type Handler } from '../queues/function-invoker.ts'

export interface TopicFixture extends QueueFixture {
  invoker: FunctionInvoker
  asyncInvocations: AsyncInvocations
  topics: TopicService
}

/** Queues, Lambda's async queue over an in-test invoker, and topics, on one real state store. */
export async function openTopics(
  handlers: Record<string, Handler> = {},
  protocols: SubscriptionProtocol<{ protocol: string }>[] = [],
): Promise<TopicFixture> {
  return withTopics(await openQueues(), handlers, protocols)
}

export function withTopics(
  fixture: QueueFixture,
  handlers: Record<string, Handler>,
  protocols: SubscriptionProtocol<{ protocol: string }>[] = [],
): TopicFixture {
  const invoker = new FunctionInvoker(handlers)
  const asyncInvocations = new AsyncInvocations({
    store: fixture.store,
    invoker,
    clock: fixture.clock,
    metrics: fixture.metrics,
  })
  onTestFinished(() => asyncInvocations.stop())
  const topics = new TopicService({
    store: fixture.store,
    queues: fixture.queues,
    asyncInvocations,
    clock: fixture.clock,
    metrics: fixture.metrics,
    functionExists: (name) => name in handlers,
    protocols,
  })
  return { ...fixture, invoker, asyncInvocations, topics }
}
