/**
 * The seeds' operations scripts, unchanged, against an example pipeline: Debian's AWS CLI
 * (/usr/bin/aws, which speaks the query protocol to SQS and CloudWatch) and boto3 (Debian's
 * /usr/bin/python3, test/clients/ops_boto3.py) inspect and feed examples/event-driven (seed 001:
 * a stream, functions, two buckets, a metadata table, dead-letter queues, an alert topic and
 * alarms) after a batch of events went through it. Skipped, with the reason shown, when the CLI
 * or boto3 is missing.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { awsEnv, findAwsCli, findBoto3, requireClient, run } from '../helpers/real-clients.ts'

const CONFIG = new URL('../../examples/event-driven/tributary.config.ts', import.meta.url).pathname
const SCRIPT = new URL('./ops_boto3.py', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 10, 0, 0)
const RUN_AT = Date.UTC(2026, 10, 23, 11, 0, 0)
const INPUT = { count: 200, seed: 3, time: '2026-11-23T10:59:00.000Z' }
const ACCOUNT = '000000000000'

const cli = findAwsCli()
const boto3 = findBoto3()
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let p: TestPipeline
let work: string

/** The pipeline once the scheduled batch went through: raw objects, metadata rows, processed objects. */
beforeAll(async () => {
  if ('missing' in cli && 'missing' in boto3) return
  work = await mkdtemp(join(tmpdir(), 'ops-scripts-'))
  p = await startPipeline(CONFIG, {
    clock: new ManualClock(START),
    env: { EVENTS_SCHEDULE: 'cron(0 11 23 11 ? 2026)', EVENTS_INPUT: JSON.stringify(INPUT) },
    serve: true,
  })
  await p.active()
  p.clock.set(RUN_AT)
  const done = async () => {
    const raw = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    const processed = await p.runtime.buckets.listObjects('processed', { prefix: 'events/' })
    return raw.objects.length > 0 && processed.objects.length === raw.objects.length
  }
  await p.until(done)
}, 120_000)

afterAll(async () => {
  await p?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

describe("the seeds' operations scripts with Debian's AWS CLI", () => {
  const aws = async (...args: string[]) => {
    if ('missing' in cli) throw new Error(cli.missing)
    return run(cli.path, [...args, '--endpoint-url', p.endpoint!, '--output', 'json'])
  }
  const json = async (...args: string[]) => {
    const out = await aws(...args)
    return out.trim() === '' ? {} : JSON.parse(out)
  }

  it('s3: ls --recursive, a 20 MiB cp up and down (multipart), sync both ways', {
    timeout: 180_000,
  }, async (ctx) => {
    requireClient(cli, ctx)
    const buckets = await aws('s3', 'ls')
    expect(buckets).toMatch(/ processed\n/)
    expect(buckets).toMatch(/ raw\n/)
    const { objects } = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    const listing = await aws('s3', 'ls', 's3://raw', '--recursive')
    for (const { key, size } of objects) expect(listing).toContain(`${String(size).padStart(10)} ${key}\n`)
    // Without --recursive, one level: the common prefixes as PRE lines.
    expect(await aws('s3', 'ls', 's3://raw/events/year=2026/month=11/')).toBe(
      '                           PRE day=23/\n',
    )

    // Over the CLI's 8 MB threshold: CreateMultipartUpload, UploadPart ×3, CompleteMultipartUpload.
    const big = randomBytes(20 * 1024 * 1024)
    await writeFile(join(work, 'big.bin'), big)
    await aws('s3', 'cp', join(work, 'big.bin'), 's3://processed/uploads/big.bin')
    const head = await json('s3api', 'head-object', '--bucket', 'processed', '--key', 'uploads/big.bin')
    expect(head.ContentLength).toBe(big.length)
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/)
    await aws('s3', 'cp', 's3://processed/uploads/big.bin', join(work, 'big.down'))
    expect(sha256(await readFile(join(work, 'big.down')))).toBe(sha256(big))

    // sync up: a local tree into a prefix; sync down: the raw events into a local tree.
    const up = join(work, 'up')
    await mkdir(join(up, 'nested'), { recursive: true })
    const files: Record<string, string> = {
      'a.txt': 'alpha\n',
      'nested/b.json': '{"b":1}\n',
      'nested/c.csv': 'c,1\n',
    }
    // Written before the pipeline's (manual) clock: sync compares a file's mtime with the
    // object's LastModified, which is on that clock.
    const before = new Date(START - 3_600_000)
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(up, name), text)
      await utimes(join(up, name), before, before)
    }
    await aws('s3', 'sync', up, 's3://processed/synced/')
    for (const [name, text] of Object.entries(files)) {
      const { body } = await p.runtime.buckets.getObject('processed', `synced/${name}`)
      expect(body.toString()).toBe(text)
    }
    // A second sync has nothing to copy.
    expect((await aws('s3', 'sync', up, 's3://processed/synced/')).trim()).toBe('')
    const down = join(work, 'down')
    await aws('s3', 'sync', 's3://raw/events/', down)
    for (const { key } of objects) {
      const local = await readFile(join(down, key.slice('events/'.length)))
      expect(sha256(local)).toBe(sha256((await p.runtime.buckets.getObject('raw', key)).body))
    }
    const days = await readdir(join(down, 'year=2026', 'month=11'))
    expect(days).toEqual(['day=23'])
  })

  it('dynamodb: scan, get-item, describe-table', { timeout: 60_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const { objects } = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    const scan = await json('dynamodb', 'scan', '--table-name', 'metadata')
    expect(scan.Count).toBe(objects.length)
    expect(scan.Items.map((i: { object_key: { S: string } }) => i.object_key.S).sort()).toEqual(
      objects.map((o) => o.key).sort(),
    )
    const key = objects[0]!.key
    const item = await json(
      'dynamodb',
      'get-item',
      '--table-name',
      'metadata',
      '--key',
      JSON.stringify({ object_key: { S: key } }),
    )
    expect(item.Item).toMatchObject({
      object_key: { S: key },
      bucket: { S: 'raw' },
      status: { S: 'PROCESSED' },
    })
    const total = scan.Items.reduce(
      (n: number, i: { record_count: { N: string } }) => n + Number(i.record_count.N),
      0,
    )
    expect(total).toBe(INPUT.count)
    const { Table } = await json('dynamodb', 'describe-table', '--table-name', 'metadata')
    expect(Table).toMatchObject({
      TableName: 'metadata',
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: 'object_key', KeyType: 'HASH' }],
      ItemCount: objects.length,
    })
  })

  it('sqs: get-queue-url, send-message, receive-message, get-queue-attributes', {
    timeout: 60_000,
  }, async (ctx) => {
    requireClient(cli, ctx)
    const { QueueUrl } = await json('sqs', 'get-queue-url', '--queue-name', 'processor-dlq')
    expect(QueueUrl).toBe(`${p.endpoint}/${ACCOUNT}/processor-dlq`)
    const sent = await json(
      'sqs',
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      '{"replay":"shardId-000000000000"}',
      '--message-attributes',
      JSON.stringify({ origin: { DataType: 'String', StringValue: 'ops' } }),
    )
    expect(sent.MD5OfMessageBody).toBe(
      createHash('md5').update('{"replay":"shardId-000000000000"}').digest('hex'),
    )
    const attributes = await json(
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'All',
    )
    expect(attributes.Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:processor-dlq`,
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      MessageRetentionPeriod: '1209600',
    })
    const received = await json(
      'sqs',
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
      '--max-number-of-messages',
      '10',
    )
    expect(received.Messages).toHaveLength(1)
    expect(received.Messages[0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"replay":"shardId-000000000000"}',
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: { origin: { DataType: 'String', StringValue: 'ops' } },
    })
    await aws(
      'sqs',
      'delete-message',
      '--queue-url',
      QueueUrl,
      '--receipt-handle',
      received.Messages[0].ReceiptHandle,
    )
    const after = await json(
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
    )
    expect(after.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    })
  })

  it('cloudwatch: get-metric-statistics, describe-alarms; logs tail', { timeout: 60_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const stats = await json(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/Lambda',
      '--metric-name',
      'Invocations',
      '--dimensions',
      'Name=FunctionName,Value=generator',
      '--start-time',
      new Date(START).toISOString(),
      '--end-time',
      new Date(RUN_AT + 3_600_000).toISOString(),
      '--period',
      '3600',
      '--statistics',
      'Sum',
    )
    expect(stats.Label).toBe('Invocations')
    expect(stats.Datapoints).toEqual([expect.objectContaining({ Sum: 1, Unit: 'Count' })])
    const alarms = await json('cloudwatch', 'describe-alarms')
    const names = [...alarms.MetricAlarms, ...(alarms.CompositeAlarms ?? [])].map(
      (a: { AlarmName: string }) => a.AlarmName,
    )
    expect(names).toEqual(expect.arrayContaining(['processor-error-rate', 'processor-throttles']))
    const throttles = alarms.MetricAlarms.find(
      (a: { AlarmName: string }) => a.AlarmName === 'processor-throttles',
    )
    expect(throttles).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: 'processor' }],
      ComparisonOperator: expect.any(String),
      AlarmActions: [`arn:aws:sns:us-east-1:${ACCOUNT}:alerts`],
    })

    const tail = await run(cli.path, [
      'logs',
      'tail',
      '/aws/lambda/generator',
      '--since',
      new Date(START).toISOString(),
      '--endpoint-url',
      p.endpoint!,
    ])
    expect(tail).toMatch(/put 200 events/)
    expect(tail).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /)

    // The seed's own form: `aws logs tail <group> --follow` prints what is there and keeps
    // polling; it is stopped once the lines arrived.
    const follow = spawn(
      cli.path,
      [
        'logs',
        'tail',
        '/aws/lambda/processor',
        '--follow',
        '--since',
        new Date(START).toISOString(),
        '--endpoint-url',
        p.endpoint!,
      ],
      // Unbuffered, so the lines reach the pipe while the CLI keeps following.
      { env: { ...awsEnv(), PYTHONUNBUFFERED: '1' } },
    )
    let followed = ''
    const arrived = new Promise<void>((resolve, reject) => {
      follow.stdout.on('data', (chunk: Buffer) => {
        followed += chunk.toString()
        if (/REPORT RequestId: /.test(followed)) resolve()
      })
      follow.once('exit', (code) => reject(new Error(`aws logs tail --follow exited (${code}): ${followed}`)))
    })
    const exited = new Promise((resolve) => follow.once('exit', resolve))
    try {
      await arrived
    } finally {
      follow.kill()
      await exited
    }
    expect(followed).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/)
    expect(followed).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /)
  })
})

describe("the seeds' handler and script calls with boto3", () => {
  it('s3, dynamodb, sqs, sns, cloudwatch and logs', { timeout: 120_000 }, async (ctx) => {
    requireClient(boto3, ctx)
    const out = await run(boto3.python, [
      SCRIPT,
      p.endpoint!,
      new Date(START).toISOString(),
      new Date(RUN_AT + 3_600_000).toISOString(),
    ])
    const report = JSON.parse(out.trim().split('\n').pop()!)
    const { objects } = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    expect(report.raw_keys).toEqual(objects.map((o) => o.key))
    expect(report.put_object).toEqual({ key: 'ops/boto3.json', body: '{"from":"boto3"}' })
    expect(report.metadata_count).toBe(objects.length + 1)
    expect(report.get_item).toEqual({
      object_key: 'ops/boto3.json',
      bucket: 'processed',
      status: 'MANUAL',
      record_count: 1,
    })
    expect(report.sqs).toEqual({ body: 'replay me', attributes: { origin: 'boto3' } })
    expect(report.sns_message_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(report.metric_sum).toBe(7)
    expect(report.log_lines).toBeGreaterThan(0)
    // What boto3 wrote is there for everyone else.
    expect((await p.runtime.buckets.getObject('processed', 'ops/boto3.json')).body.toString()).toBe(
      '{"from":"boto3"}',
    )
    expect(p.runtime.queues.depth('transformer-failures').visible).toBe(0)
  })
})
