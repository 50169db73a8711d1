import { describe, expect, it } from 'vitest'
import { sqsMappingSchema } from '../../../src/functions/sqs/config.ts'
import { SqsMapping } from '../../../src/functions/sqs/sqs-mapping.ts'
import { fromPipelineQueue, queueSchema } from '../../../src/services/queues/definition.ts'
import type { TopicConfig } from '../../../src/services/topics/config.ts'
import { topicSchema } from '../../../src/services/topics/definition.ts'
import { openQueues } from './fixtures.ts'
import { FunctionInvoker } from './function-invoker.ts'

describe('pipeline definitions', () => {
  it('declares queues, mappings and topics as the pipeline schema spells them', async () => {
    const { queues } = await openQueues()
    const dlq = queueSchema.parse({})
    const jobs = queueSchema.parse({
      visibilityTimeout: 60,
      deadLetterQueue: { queue: 'dlq', maxReceiveCount: 4 },
    })
    queues.declareAll({ dlq: fromPipelineQueue(dlq), jobs: fromPipelineQueue(jobs) })
    expect(queues.config('jobs')).toEqual({
      visibilityTimeoutSeconds: 60,
      delaySeconds: 0,
      messageRetentionSeconds: 345_600,
      maximumMessageSize: 262_144,
      redrive: { maxReceiveCount: 4, deadLetterQueue: 'dlq' },
    })

    const mapping = new SqsMapping(sqsMappingSchema.parse({ function: 'f', queue: 'jobs', batchSize: 5 }), {
      queues,
      invoker: new FunctionInvoker({}),
    })
    expect(mapping.config).toMatchObject({
      function: 'f',
      queue: 'jobs',
      batchSize: 5,
      reportBatchItemFailures: false,
    })

    const topic: TopicConfig = topicSchema.parse({ subscriptions: [{ queue: 'jobs' }, { function: 'f' }] })
    expect(topic.subscriptions).toEqual([{ queue: 'jobs', rawMessageDelivery: false }, { function: 'f' }])
  })
})
