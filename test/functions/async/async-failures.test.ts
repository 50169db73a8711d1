import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'

const CONFIG = new URL('../../fixtures/pipelines/async-failures/tributary.config.ts', import.meta.url)
  .pathname

describe('asynchronous invocations that keep failing', () => {
  it("send Lambda's invocation record to the on-failure destination and the event to the DLQ", async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.runtime.buckets.putObject('inbox', 'orders/1.json', '{}')
    await p.until(
      () => p.runtime.queues.depth('failures').visible === 1 && p.runtime.queues.depth('dlq').visible === 1,
    )
    const [failure] = await p.runtime.queues.receive('failures')
    const record = JSON.parse(failure!.body)
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
        functionArn: expect.stringMatching(/^arn:aws:lambda:[^:]+:\d{12}:function:broken:\$LATEST$/),
      },
      requestPayload: { Records: [{ eventSource: 'aws:s3', s3: { object: { key: 'orders/1.json' } } }] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'cannot read orders/1.json' },
    })
    const [dead] = await p.runtime.queues.receive('dlq')
    expect(JSON.parse(dead!.body)).toEqual(record.requestPayload)
    expect(p.metric('AsyncEventsDropped', { FunctionName: 'broken' }).sum).toBe(1)
  })
})

const SCHEDULED = new URL('../../fixtures/pipelines/async-schedule/tributary.config.ts', import.meta.url)
  .pathname

describe('a timed schedule whose target fails', () => {
  it("follows the function's asyncInvokeConfig: no retry, the invocation record to its destination", async () => {
    const p = await startPipeline(SCHEDULED, { teardown: onTestFinished })
    await p.until(() => p.runtime.queues.depth('failures').visible === 1)
    const [failure] = await p.runtime.queues.receive('failures')
    expect(JSON.parse(failure!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: { source: 'aws.events', 'detail-type': 'Scheduled Event' },
    })
    expect(p.metric('Invocations', { FunctionName: 'broken' }).sum).toBe(1)
  })
})
