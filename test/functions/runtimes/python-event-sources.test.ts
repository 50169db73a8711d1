import { existsSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { debianPython, needPython } from './python-helpers.ts'

/**
 * One Python handler (runtimes/python/bootstrap.py on Debian's python3) behind every event source,
 * answering each kind of event as a Lambda handler would with plain dicts, and printing what it
 * saw; then boto3 inside a handler writing to the served pipeline's bucket, table and queue.
 */
const HANDLER = `
import base64, os

failed_once = set()

def text(b64):
    return base64.b64decode(b64).decode()

def lambda_handler(event, context):
    records = event.get("Records") or []
    first = records[0] if records else None
    source = (first.get("eventSource") or first.get("EventSource")) if first else event.get("source")
    if os.environ.get("MODE") == "fail":
        print("failing", source)
        raise RuntimeError("cannot handle it")
    if source == "aws:kinesis":
        data = [text(r["kinesis"]["data"]) for r in records]
        print("kinesis " + ",".join(data))
        if "die" in data and not os.path.exists(os.environ["MARKER"]):
            open(os.environ["MARKER"], "w").write("died")
            os._exit(9)
        failures = [r for r, d in zip(records, data) if d == "bad" and r["kinesis"]["sequenceNumber"] not in failed_once]
        failed_once.update(r["kinesis"]["sequenceNumber"] for r in failures)
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in failures]}
    if source == "aws:sqs":
        print("sqs " + ",".join(r["body"] for r in records))
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["body"] == "poison"]}
    if source == "aws:s3":
        print("s3 " + first["s3"]["bucket"]["name"] + "/" + first["s3"]["object"]["key"])
    elif source == "aws:sns":
        print("sns " + first["Sns"]["Message"])
    elif source == "aws.events":
        print("schedule " + event["detail-type"])
    elif "deliveryStreamArn" in event:
        print("firehose %d" % len(event["records"]))
        return {"records": [
            {"recordId": r["recordId"], "result": "Ok", "data": base64.b64encode(text(r["data"]).upper().encode()).decode()}
            for r in event["records"]
        ]}
    return None
`

async function codeDir(dir: string, name: string, handler = HANDLER): Promise<void> {
  await mkdir(join(dir, name))
  await writeFile(join(dir, name, 'handler.py'), handler)
}

/** The product runs `python3` from PATH: Debian's first, as .ci/run installs it. */
function debianFirstOnPath(): void {
  vi.stubEnv('PATH', `/usr/bin:${process.env.PATH}`)
  onTestFinished(() => {
    vi.unstubAllEnvs()
  })
}

const lines = (p: TestPipeline, fn: string, prefix: string) =>
  p.logs.filter((l) => l.functionName === fn && l.message.startsWith(prefix)).map((l) => l.message)

const python = {
  handler: 'handler.lambda_handler',
  runtime: 'python3.12',
  code: 'py',
  timeout: 10,
} as const

describe('a python3.12 function behind every event source', () => {
  it('Kinesis (partial batch response from a dict), SQS, S3, schedule, topic, async with destination, Firehose transform', async (ctx) => {
    needPython(ctx)
    debianFirstOnPath()
    const dir = await tempDir()
    await codeDir(dir, 'py')
    const p = await startPipeline(
      {
        name: 'python-sources',
        streams: { events: { shardCount: 1 }, raw: { shardCount: 1 } },
        functions: {
          py: python,
          failer: {
            ...python,
            environment: { MODE: 'fail' },
            asyncInvokeConfig: {
              maximumRetryAttempts: 0,
              destinationConfig: { onFailure: { queue: 'failures' } },
            },
          },
        },
        mappings: [
          {
            function: 'py',
            stream: 'events',
            startingPosition: 'TRIM_HORIZON',
            batchSize: 5,
            functionResponseTypes: ['ReportBatchItemFailures'],
          },
          { function: 'py', queue: 'jobs', functionResponseTypes: ['ReportBatchItemFailures'] },
        ],
        queues: {
          jobs: { visibilityTimeout: 30, deadLetterQueue: { queue: 'jobs-dlq', maxReceiveCount: 1 } },
          'jobs-dlq': {},
          failures: {},
        },
        buckets: {
          inbox: { notifications: [{ function: 'py' }] },
          doomed: { notifications: [{ function: 'failer' }] },
          lake: {},
        },
        schedules: { tick: { schedule: 'rate(1 minute)', function: 'py' } },
        topics: { news: { subscriptions: [{ function: 'py' }] } },
        deliveries: {
          upper: {
            stream: 'raw',
            bucket: 'lake',
            prefix: 'upper/',
            appendNewline: true,
            bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
            processing: { function: 'py', bufferIntervalInSeconds: 60 },
            startingPosition: 'TRIM_HORIZON',
          },
        },
      },
      { dir, teardown: onTestFinished },
    )

    // Kinesis: the failed item and everything after it come again; nothing before it does.
    await p.put('events', ['r1', 'r2', 'bad', 'r4', 'r5'])
    await p.until(() => lines(p, 'py', 'kinesis').length === 2)
    expect(lines(p, 'py', 'kinesis')).toEqual(['kinesis r1,r2,bad,r4,r5', 'kinesis bad,r4,r5'])

    // SQS: the reported failure goes to the dead-letter queue, the other message is done.
    p.runtime.queues.send('jobs', 'hello')
    p.runtime.queues.send('jobs', 'poison')
    await p.until(() => p.runtime.queues.depth('jobs-dlq').visible === 1)
    expect(lines(p, 'py', 'sqs').join(',')).toContain('hello')
    expect((await p.runtime.queues.receive('jobs-dlq'))[0]!.body).toBe('poison')

    // S3 event, topic, schedule.
    await p.runtime.buckets.putObject('inbox', 'in/1.json', '{}')
    p.runtime.topics.publish('news', 'extra extra')
    await p.until(() => lines(p, 'py', 'schedule').length >= 1)
    await p.until(() => lines(p, 'py', 's3').length === 1 && lines(p, 'py', 'sns').length === 1)
    expect(lines(p, 'py', 's3')).toEqual(['s3 inbox/in/1.json'])
    expect(lines(p, 'py', 'sns')).toEqual(['sns extra extra'])
    expect(lines(p, 'py', 'schedule')[0]).toBe('schedule Scheduled Event')

    // An asynchronous invocation that raises: Lambda's invocation record at the destination.
    await p.runtime.buckets.putObject('doomed', 'x.json', '{}')
    await p.until(() => p.runtime.queues.depth('failures').visible === 1)
    const [failure] = await p.runtime.queues.receive('failures')
    expect(JSON.parse(failure!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'RuntimeError', errorMessage: 'cannot handle it' },
    })

    // Firehose: the transformation's records are what reaches the lake.
    await p.put('raw', ['abc', 'def'])
    await p.until(async () => (await p.lake.keys('lake', 'upper/')).length === 1, 10_000)
    const [key] = await p.lake.keys('lake', 'upper/')
    expect(await p.lake.text('lake', key!)).toBe('ABC\nDEF\n')
    expect(lines(p, 'py', 'firehose')).toEqual(['firehose 2'])
  })

  it('redelivers the batch a Python process died in, from its first record; nothing is skipped', async (ctx) => {
    needPython(ctx)
    debianFirstOnPath()
    const dir = await tempDir()
    await codeDir(dir, 'py')
    const marker = join(dir, 'died')
    const p = await startPipeline(
      {
        name: 'python-kill',
        streams: { events: { shardCount: 1 } },
        functions: { py: { ...python, environment: { MARKER: marker } } },
        mappings: [{ function: 'py', stream: 'events', startingPosition: 'TRIM_HORIZON', batchSize: 3 }],
      },
      { dir, teardown: onTestFinished },
    )
    await p.put('events', ['r1', 'r2', 'r3', 'die', 'r5', 'r6', 'r7', 'r8', 'r9'])
    await p.until(() => lines(p, 'py', 'kinesis r7').length === 1)
    expect(existsSync(marker)).toBe(true)
    expect(lines(p, 'py', 'kinesis')).toEqual([
      'kinesis r1,r2,r3',
      'kinesis die,r5,r6',
      'kinesis die,r5,r6',
      'kinesis r7,r8,r9',
    ])
    expect(p.metric('Errors', { FunctionName: 'py' }).sum).toBe(1)
    writeFileSync(marker, 'done')
  })

  it('boto3 in a handler, with no endpoint_url, writes to the served pipeline: a bucket, a table, a queue', async (ctx) => {
    needPython(ctx)
    debianFirstOnPath()
    const dir = await tempDir()
    await codeDir(
      dir,
      'py',
      `
import json, boto3
s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("metadata")
sqs = boto3.client("sqs")

def lambda_handler(event, context):
    s3.put_object(Bucket="raw", Key="events/%s.json" % event["id"], Body=json.dumps(event).encode())
    table.put_item(Item={"id": event["id"], "bytes": len(json.dumps(event))})
    url = sqs.get_queue_url(QueueName="alerts")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="stored " + event["id"])
    return {"boto3": boto3.__version__, "item": table.get_item(Key={"id": event["id"]})["Item"]}
`,
    )
    const p = await startPipeline(
      {
        name: 'python-boto3',
        functions: { py: python },
        buckets: { raw: {} },
        tables: { metadata: { partitionKey: 'id' } },
        queues: { alerts: {} },
      },
      { dir, serve: true, teardown: onTestFinished },
    )
    const outcome = await p.runtime.pool.invoke('py', { id: 'e-1', temperature: 21 })
    // Debian's boto3 1.26 predates AWS_ENDPOINT_URL: the shim pointed it here.
    const boto3 = debianPython as { version: string }
    expect(outcome).toMatchObject({
      kind: 'ok',
      result: { boto3: boto3.version, item: { id: 'e-1', bytes: 32 } },
    })
    expect(await p.lake.json('raw', 'events/e-1.json')).toEqual({ id: 'e-1', temperature: 21 })
    expect(p.table('metadata').get({ id: 'e-1' })).toEqual({ id: 'e-1', bytes: 32 })
    expect((await p.runtime.queues.receive('alerts'))[0]!.body).toBe('stored e-1')
  })
})
