import { existsSync, writeFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { tempDir } from '../../helpers/tmp.ts'

/**
 * One custom runtime (a Node.js script speaking the Runtime API) behind every event source:
 * it answers each kind of event as a Lambda handler would and prints what it saw.
 */
const BOOTSTRAP = `#!${process.execPath}
const fs = require('node:fs')
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime'
const post = (path, body) => fetch(api + path, { method: 'POST', body: JSON.stringify(body) })
const failedOnce = new Set()
const text = (b64) => Buffer.from(b64, 'base64').toString()
;(async () => {
  for (;;) {
    const res = await fetch(api + '/invocation/next')
    const id = res.headers.get('lambda-runtime-aws-request-id')
    const event = await res.json()
    const first = event.Records ? event.Records[0] : undefined
    const source = first ? first.eventSource || first.EventSource : event.source
    if (process.env.MODE === 'fail') {
      console.log('failing ' + source)
      await post('/invocation/' + id + '/error', { errorType: 'BadThing', errorMessage: 'cannot handle it', stackTrace: [] })
      continue
    }
    let result = null
    if (source === 'aws:kinesis') {
      const data = event.Records.map((r) => text(r.kinesis.data))
      console.log('kinesis ' + data.join(','))
      if (data.includes('die') && !fs.existsSync(process.env.MARKER)) {
        fs.writeFileSync(process.env.MARKER, 'died')
        process.exit(9)
      }
      const failures = event.Records.filter((r, i) => data[i] === 'bad' && !failedOnce.has(r.kinesis.sequenceNumber))
      for (const r of failures) failedOnce.add(r.kinesis.sequenceNumber)
      result = { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) }
    } else if (source === 'aws:sqs') {
      console.log('sqs ' + event.Records.map((r) => r.body).join(','))
      result = { batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })) }
    } else if (source === 'aws:s3') {
      console.log('s3 ' + first.s3.bucket.name + '/' + first.s3.object.key)
    } else if (source === 'aws:sns') {
      console.log('sns ' + first.Sns.Message)
    } else if (source === 'aws.events') {
      console.log('schedule ' + event['detail-type'])
    } else if (event.deliveryStreamArn) {
      console.log('firehose ' + event.records.length)
      result = { records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: Buffer.from(text(r.data).toUpperCase()).toString('base64') })) }
    }
    await post('/invocation/' + id + '/response', result)
  }
})()
`

async function codeDir(dir: string, name: string): Promise<void> {
  await mkdir(join(dir, name))
  await writeFile(join(dir, name, 'bootstrap'), BOOTSTRAP)
  await chmod(join(dir, name, 'bootstrap'), 0o755)
}

const lines = (p: TestPipeline, fn: string, prefix: string) =>
  p.logs.filter((l) => l.functionName === fn && l.message.startsWith(prefix)).map((l) => l.message)

describe('a provided.al2023 function behind every event source', () => {
  it('Kinesis (partial batch response), SQS, S3, schedule, topic, async with destination, Firehose transform', async () => {
    const dir = await tempDir()
    await codeDir(dir, 'custom')
    const custom = {
      handler: 'function.handler',
      runtime: 'provided.al2023',
      code: 'custom',
      timeout: 10,
    } as const
    const p = await startPipeline(
      {
        name: 'runtimes',
        streams: { events: { shardCount: 1 }, raw: { shardCount: 1 } },
        functions: {
          custom,
          failer: {
            ...custom,
            environment: { MODE: 'fail' },
            asyncInvokeConfig: {
              maximumRetryAttempts: 0,
              destinationConfig: { onFailure: { queue: 'failures' } },
            },
          },
        },
        mappings: [
          {
            function: 'custom',
            stream: 'events',
            startingPosition: 'TRIM_HORIZON',
            batchSize: 5,
            functionResponseTypes: ['ReportBatchItemFailures'],
          },
          { function: 'custom', queue: 'jobs', functionResponseTypes: ['ReportBatchItemFailures'] },
        ],
        queues: {
          jobs: { visibilityTimeout: 30, deadLetterQueue: { queue: 'jobs-dlq', maxReceiveCount: 1 } },
          'jobs-dlq': {},
          failures: {},
        },
        buckets: {
          inbox: { notifications: [{ function: 'custom' }] },
          doomed: { notifications: [{ function: 'failer' }] },
          lake: {},
        },
        schedules: { tick: { schedule: 'rate(1 minute)', function: 'custom' } },
        topics: { news: { subscriptions: [{ function: 'custom' }] } },
        deliveries: {
          upper: {
            stream: 'raw',
            bucket: 'lake',
            prefix: 'upper/',
            appendNewline: true,
            bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
            processing: { function: 'custom', bufferIntervalInSeconds: 60 },
            startingPosition: 'TRIM_HORIZON',
          },
        },
      },
      { dir, teardown: onTestFinished },
    )

    // Kinesis: the failed item and everything after it come again; nothing before it does.
    await p.put('events', ['r1', 'r2', 'bad', 'r4', 'r5'])
    await p.until(() => lines(p, 'custom', 'kinesis').length === 2)
    expect(lines(p, 'custom', 'kinesis')).toEqual(['kinesis r1,r2,bad,r4,r5', 'kinesis bad,r4,r5'])

    // SQS: the reported failure goes to the dead-letter queue, the other message is done.
    p.runtime.queues.send('jobs', 'hello')
    p.runtime.queues.send('jobs', 'poison')
    await p.until(() => p.runtime.queues.depth('jobs-dlq').visible === 1)
    expect(lines(p, 'custom', 'sqs').join(',')).toContain('hello')
    expect((await p.runtime.queues.receive('jobs-dlq'))[0]!.body).toBe('poison')

    // S3 event, topic, schedule.
    await p.runtime.buckets.putObject('inbox', 'in/1.json', '{}')
    p.runtime.topics.publish('news', 'extra extra')
    await p.until(() => lines(p, 'custom', 'schedule').length >= 1)
    await p.until(() => lines(p, 'custom', 's3').length === 1 && lines(p, 'custom', 'sns').length === 1)
    expect(lines(p, 'custom', 's3')).toEqual(['s3 inbox/in/1.json'])
    expect(lines(p, 'custom', 'sns')).toEqual(['sns extra extra'])
    expect(lines(p, 'custom', 'schedule')[0]).toBe('schedule Scheduled Event')

    // An asynchronous invocation that fails: Lambda's invocation record at the destination.
    await p.runtime.buckets.putObject('doomed', 'x.json', '{}')
    await p.until(() => p.runtime.queues.depth('failures').visible === 1)
    const [failure] = await p.runtime.queues.receive('failures')
    expect(JSON.parse(failure!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'BadThing', errorMessage: 'cannot handle it' },
    })

    // Firehose: the transformation's records are what reaches the lake.
    await p.put('raw', ['abc', 'def'])
    await p.until(async () => (await p.lake.keys('lake', 'upper/')).length === 1, 10_000)
    const [key] = await p.lake.keys('lake', 'upper/')
    expect(await p.lake.text('lake', key!)).toBe('ABC\nDEF\n')
    expect(lines(p, 'custom', 'firehose')).toEqual(['firehose 2'])
  })

  it('redelivers the batch a process died in, from its first record; nothing is skipped', async () => {
    const dir = await tempDir()
    await codeDir(dir, 'custom')
    const marker = join(dir, 'died')
    const p = await startPipeline(
      {
        name: 'runtimes-kill',
        streams: { events: { shardCount: 1 } },
        functions: {
          custom: {
            handler: 'function.handler',
            runtime: 'provided.al2023',
            code: 'custom',
            environment: { MARKER: marker },
          },
        },
        mappings: [{ function: 'custom', stream: 'events', startingPosition: 'TRIM_HORIZON', batchSize: 3 }],
      },
      { dir, teardown: onTestFinished },
    )
    await p.put('events', ['r1', 'r2', 'r3', 'die', 'r5', 'r6', 'r7', 'r8', 'r9'])
    await p.until(() => lines(p, 'custom', 'kinesis r7').length === 1)
    expect(existsSync(marker)).toBe(true)
    expect(lines(p, 'custom', 'kinesis')).toEqual([
      'kinesis r1,r2,r3',
      'kinesis die,r5,r6',
      'kinesis die,r5,r6',
      'kinesis r7,r8,r9',
    ])
    expect(p.metric('Errors', { FunctionName: 'custom' }).sum).toBe(1)
    // The log group has the platform's lines for the crash, and the runtime's own lines verbatim.
    const stored = p.runtime.logs.events('/aws/lambda/custom', { limit: 1000 }).events.map((e) => e.message)
    expect(stored.some((m) => m.includes('Error: Runtime exited with error: exit status 9'))).toBe(true)
    expect(stored).toContain('kinesis r1,r2,r3')
    expect(stored.some((m) => /^REPORT RequestId: .*Max Memory Used: \d+ MB/.test(m))).toBe(true)
    writeFileSync(marker, 'done')
  })
})
