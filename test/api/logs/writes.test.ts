import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type InputLogEvent,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { StateStoreToken } from '../../../src/storage/state/token.ts'
import { type ManualClock, startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { failure } from '../../helpers/aws-error.ts'

const dir = new URL('./fixture/', import.meta.url).pathname
const DEFINITION = { name: 'logs-writes', functions: { chatty: { handler: 'chatty.handler' } } }
const HOUR = 3_600_000
const DAY = 24 * HOUR

async function served(options: { dataDir?: string; clock?: ManualClock } = {}) {
  const p = await startPipeline(DEFINITION, { dir, serve: true, teardown: onTestFinished, ...options })
  return { p, logs: client(p) }
}

function client(p: TestPipeline): CloudWatchLogsClient {
  const logs = new CloudWatchLogsClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => logs.destroy())
  return logs
}

/** A group with one stream, made through the API. */
async function stream(logs: CloudWatchLogsClient, group = '/app/orders', name = 'web-1') {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }))
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }))
  return { logGroupName: group, logStreamName: name }
}

const messages = async (logs: CloudWatchLogsClient, logGroupName: string) =>
  ((await logs.send(new FilterLogEventsCommand({ logGroupName }))).events ?? []).map((e) => e.message)

describe('CloudWatch Logs: groups and streams made through the API', () => {
  it('creates a group, listed with no events beside the functions’ groups; a second create is refused', async () => {
    const { p, logs } = await served()
    expect((await p.runtime.pool.invoke('chatty', { n: 1 })).kind).toBe('ok')
    const before = p.clock.now()
    await logs.send(
      new CreateLogGroupCommand({
        logGroupName: '/app/orders',
        kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k',
      }),
    )
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}))
    expect(logGroups?.map((g) => g.logGroupName)).toEqual(['/app/orders', '/aws/lambda/chatty'])
    expect(logGroups?.[0]).toEqual({
      logGroupName: '/app/orders',
      creationTime: before,
      storedBytes: 0,
      metricFilterCount: 0,
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/orders:*',
      logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/orders',
      logGroupClass: 'STANDARD',
      kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/k',
    })
    // A created group has no retention (kept forever); the functions' groups keep the store's 7 days.
    expect(logGroups?.[1]?.retentionInDays).toBe(7)
    for (const logGroupName of ['/app/orders', '/aws/lambda/chatty'])
      expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName })))).toEqual({
        name: 'ResourceAlreadyExistsException',
        message: 'The specified log group already exists',
        status: 400,
      })
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'has space' })))).toEqual({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value 'has space' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
      status: 400,
    })
    expect(
      await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'g'.repeat(513) }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('length less than or equal to 512'),
    })
  })

  it('creates streams (listed with no event times until written), refuses duplicates, `:` and missing groups', async () => {
    const { p, logs } = await served()
    const at = p.clock.now()
    await stream(logs)
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/app/orders' }))
    expect(logStreams).toEqual([
      {
        logStreamName: 'web-1',
        creationTime: at,
        storedBytes: 0,
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/orders:log-stream:web-1',
        uploadSequenceToken: expect.stringMatching(/^\d{56}$/),
      },
    ])
    const create = (logGroupName: string, logStreamName: string) =>
      failure(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })))
    expect(await create('/app/orders', 'web-1')).toEqual({
      name: 'ResourceAlreadyExistsException',
      message: 'The specified log stream already exists',
      status: 400,
    })
    expect(await create('/app/none', 'web-1')).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
      status: 400,
    })
    expect(await create('/app/orders', 'a:b')).toEqual({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
      status: 400,
    })
    expect(await create('/app/orders', 'a*')).toMatchObject({ name: 'InvalidParameterException' })
  })

  it('reads a group named by its ARN (logGroupIdentifier); the reads’ constraint errors are InvalidParameterException too', async () => {
    const { logs } = await served()
    await stream(logs)
    const logGroupIdentifier = 'arn:aws:logs:us-east-1:000000000000:log-group:/app/orders'
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier }))
    expect(logStreams?.map((x) => x.logStreamName)).toEqual(['web-1'])
    // As AWS says: an identifier ARN without DescribeLogGroups' trailing `:*` (its pattern has no `*`).
    expect(
      await failure(
        logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `${logGroupIdentifier}:*` })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 })
    expect(await failure(logs.send(new DescribeLogGroupsCommand({ limit: 51 })))).toEqual({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
      status: 400,
    })
  })

  it('deletes a stream with its events, and a group with its streams and events', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    await logs.send(new CreateLogStreamCommand({ ...s, logStreamName: 'web-2' }))
    const now = p.clock.now()
    await logs.send(new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: now, message: 'one' }] }))
    await logs.send(
      new PutLogEventsCommand({
        ...s,
        logStreamName: 'web-2',
        logEvents: [{ timestamp: now, message: 'two' }],
      }),
    )
    await logs.send(new DeleteLogStreamCommand(s))
    expect(await messages(logs, s.logGroupName)).toEqual(['two'])
    expect(await failure(logs.send(new DeleteLogStreamCommand(s)))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
      status: 400,
    })
    await logs.send(new DeleteLogGroupCommand({ logGroupName: s.logGroupName }))
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app' }))).logGroups).toEqual(
      [],
    )
    for (const command of [
      new DeleteLogGroupCommand({ logGroupName: s.logGroupName }),
      new DescribeLogStreamsCommand({ logGroupName: s.logGroupName }),
    ])
      expect(await failure(logs.send(command as DeleteLogGroupCommand))).toEqual({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
        status: 400,
      })
    // Created again, it starts empty: nothing of the old streams or events comes back.
    await logs.send(new CreateLogGroupCommand({ logGroupName: s.logGroupName }))
    expect(
      (await logs.send(new DescribeLogStreamsCommand({ logGroupName: s.logGroupName }))).logStreams,
    ).toEqual([])
  })

  it('deletes a function’s group with its lines; the function’s next line recreates it', async () => {
    const { p, logs } = await served()
    expect((await p.runtime.pool.invoke('chatty', { n: 1 })).kind).toBe('ok')
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/chatty' }))
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([])
    expect((await p.runtime.pool.invoke('chatty', { n: 3 })).kind).toBe('ok')
    const lines = await messages(logs, '/aws/lambda/chatty')
    expect(lines.some((m) => m?.includes('processing order 3'))).toBe(true)
    expect(lines.some((m) => m?.includes('processing order 1'))).toBe(false)
  })
})

describe('CloudWatch Logs: PutLogEvents', () => {
  it('writes events read back by GetLogEvents and FilterLogEvents, ignoring the sequence token it is sent', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    const t = p.clock.now()
    const first = await logs.send(
      new PutLogEventsCommand({
        ...s,
        logEvents: [
          { timestamp: t - 2000, message: 'started' },
          { timestamp: t - 1000, message: 'order 17 paid ✓' },
        ],
      }),
    )
    expect(first.nextSequenceToken).toMatch(/^\d{56}$/)
    expect(first.rejectedLogEventsInfo).toBeUndefined()
    // Any token, a stale one or none: accepted (CloudWatch Logs has ignored them since 2023).
    const second = await logs.send(
      new PutLogEventsCommand({
        ...s,
        sequenceToken: 'stale',
        logEvents: [{ timestamp: t, message: 'done' }],
      }),
    )
    expect(second.nextSequenceToken).not.toBe(first.nextSequenceToken)
    const got = await logs.send(new GetLogEventsCommand({ ...s, startFromHead: true }))
    expect(got.events).toEqual([
      { timestamp: t - 2000, message: 'started', ingestionTime: t },
      { timestamp: t - 1000, message: 'order 17 paid ✓', ingestionTime: t },
      { timestamp: t, message: 'done', ingestionTime: t },
    ])
    const paid = await logs.send(
      new FilterLogEventsCommand({ logGroupName: s.logGroupName, filterPattern: 'paid' }),
    )
    expect(paid.events?.map((e) => [e.logStreamName, e.message])).toEqual([['web-1', 'order 17 paid ✓']])
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: s.logGroupName }))
    expect(logStreams?.[0]).toMatchObject({
      firstEventTimestamp: t - 2000,
      lastEventTimestamp: t,
      lastIngestionTime: t,
      storedBytes: 'started'.length + 'order 17 paid ✓'.length + 'done'.length,
      uploadSequenceToken: second.nextSequenceToken,
    })
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app' }))
    expect(logGroups?.[0]?.storedBytes).toBe(logStreams?.[0]?.storedBytes)
  })

  it('rejects events older than 14 days or more than 2 h ahead, keeping the rest, and reports their indices', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    const t = p.clock.now()
    const { rejectedLogEventsInfo } = await logs.send(
      new PutLogEventsCommand({
        ...s,
        logEvents: [
          { timestamp: t - 15 * DAY, message: 'ancient' },
          { timestamp: t - 14 * DAY - 1, message: 'just too old' },
          { timestamp: t - 14 * DAY + 23 * HOUR, message: 'kept 1' },
          { timestamp: t - 13 * DAY, message: 'kept 2' },
          { timestamp: t + 2 * HOUR + 1, message: 'too new' },
        ],
      }),
    )
    expect(rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 4 })
    expect(await messages(logs, s.logGroupName)).toEqual(['kept 1', 'kept 2'])
    // All rejected: a 200 still, nothing written.
    const none = await logs.send(
      new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: t + 3 * HOUR, message: 'future' }] }),
    )
    expect(none.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 0 })
    expect(await messages(logs, s.logGroupName)).toHaveLength(2)
  })

  it('rejects events before the group’s retention as expired', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: s.logGroupName, retentionInDays: 3 }))
    const t = p.clock.now()
    const { rejectedLogEventsInfo } = await logs.send(
      new PutLogEventsCommand({
        ...s,
        logEvents: [
          { timestamp: t - 20 * DAY, message: 'too old' },
          { timestamp: t - 4 * DAY, message: 'expired' },
          { timestamp: t - 2 * DAY, message: 'kept' },
        ],
      }),
    )
    expect(rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2 })
    expect(await messages(logs, s.logGroupName)).toEqual(['kept'])
  })

  it('fails a whole batch out of order, spanning more than 24 h, too large, too many or with an empty message', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    const t = p.clock.now()
    const put = (logEvents: InputLogEvent[]) =>
      failure(logs.send(new PutLogEventsCommand({ ...s, logEvents })))
    const invalid = (message: string) => ({ name: 'InvalidParameterException', message, status: 400 })
    expect(
      await put([
        { timestamp: t, message: 'b' },
        { timestamp: t - 1, message: 'a' },
      ]),
    ).toEqual(invalid('Log events in a single PutLogEvents request must be in chronological order.'))
    expect(
      await put([
        { timestamp: t - DAY - 1, message: 'a' },
        { timestamp: t, message: 'b' },
      ]),
    ).toEqual(
      invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.'),
    )
    // 1,048,576 bytes counting 26 per event: exactly the limit passes, one byte more fails.
    const exact = 1_048_576 - 2 * 26
    const half = (n: number) => 'x'.repeat(n)
    await logs.send(
      new PutLogEventsCommand({
        ...s,
        logEvents: [
          { timestamp: t, message: half(exact / 2) },
          { timestamp: t, message: half(exact / 2) },
        ],
      }),
    )
    expect(
      await put([
        { timestamp: t, message: half(exact / 2) },
        { timestamp: t, message: half(exact / 2 + 1) },
      ]),
    ).toEqual(invalid('Upload too large: 1048577 bytes exceeds limit of 1048576'))
    const many = Array.from({ length: 10_001 }, () => ({ timestamp: t, message: 'm' }))
    expect(await put(many)).toEqual(invalid('The batch of log events holds 10001 events, more than 10000.'))
    await logs.send(new PutLogEventsCommand({ ...s, logEvents: many.slice(1) }))
    expect(await put([{ timestamp: t, message: '' }])).toEqual(
      invalid(
        "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    )
    expect(await put([])).toMatchObject({ name: 'InvalidParameterException' })
    // Nothing of the failed batches was written.
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: s.logGroupName }))
    expect(logStreams?.[0]?.storedBytes).toBe(exact + 10_000)
  })

  it('answers once the events are durable: written at once, the 200 held until the fsync that covers them', async () => {
    const { p, logs } = await served()
    const s = await stream(logs)
    const store = p.runtime.offered(StateStoreToken)!
    const real = store.durable.bind(store)
    let waiting = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    store.durable = async () => {
      waiting++
      await gate
      await real()
    }
    onTestFinished(() => {
      store.durable = real
    })
    let answered = false
    const put = logs
      .send(new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: p.clock.now(), message: 'acked' }] }))
      .finally(() => {
        answered = true
      })
    await expect.poll(() => waiting).toBe(1)
    // Committed before the barrier (read without flushing the store's buffer), not yet answered.
    expect(store.db.prepare('SELECT message FROM log_events').pluck().all()).toEqual(['acked'])
    expect(answered).toBe(false)
    release()
    expect((await put).nextSequenceToken).toMatch(/^\d{56}$/)
  })

  it('needs the group and the stream to exist', async () => {
    const { p, logs } = await served()
    await stream(logs)
    const logEvents = [{ timestamp: p.clock.now(), message: 'x' }]
    expect(
      await failure(
        logs.send(new PutLogEventsCommand({ logGroupName: '/app/none', logStreamName: 'web-1', logEvents })),
      ),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
      status: 400,
    })
    expect(
      await failure(
        logs.send(new PutLogEventsCommand({ logGroupName: '/app/orders', logStreamName: 'none', logEvents })),
      ),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
      status: 400,
    })
  })
})

describe('CloudWatch Logs: retention policies', () => {
  it('shows a group’s retention, refuses values not in AWS’s list, and removes it', async () => {
    const { p, logs } = await served()
    expect((await p.runtime.pool.invoke('chatty', { n: 1 })).kind).toBe('ok')
    await stream(logs)
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/app/orders', retentionInDays: 30 }))
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/chatty', retentionInDays: 1 }))
    const retention = async () =>
      Object.fromEntries(
        ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => [
          g.logGroupName,
          g.retentionInDays,
        ]),
      )
    expect(await retention()).toEqual({ '/app/orders': 30, '/aws/lambda/chatty': 1 })
    expect(
      await failure(
        logs.send(new PutRetentionPolicyCommand({ logGroupName: '/app/orders', retentionInDays: 2 })),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
      status: 400,
    })
    expect(
      await failure(
        logs.send(new PutRetentionPolicyCommand({ logGroupName: '/app/none', retentionInDays: 1 })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' })
    // Without a policy: a created group keeps its events, a function's group the store's default.
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/app/orders' }))
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/aws/lambda/chatty' }))
    expect(await retention()).toEqual({ '/app/orders': undefined, '/aws/lambda/chatty': 7 })
    expect(
      await failure(logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/app/none' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('deletes events past each group’s own retention; a created group without one keeps them', async () => {
    const { p, logs } = await served()
    expect((await p.runtime.pool.invoke('chatty', { n: 1 })).kind).toBe('ok')
    const short = await stream(logs, '/app/short')
    const forever = await stream(logs, '/app/forever')
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: short.logGroupName, retentionInDays: 1 }))
    await logs.send(
      new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/chatty', retentionInDays: 14 }),
    )
    for (const s of [short, forever])
      await logs.send(
        new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: p.clock.now(), message: 'old' }] }),
      )
    // Past the 1 day, and past the store's 7-day default too.
    p.clock.advance(8 * DAY)
    await p.settle()
    for (const s of [short, forever])
      await logs.send(
        new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: p.clock.now(), message: 'new' }] }),
      )
    expect(await messages(logs, short.logGroupName)).toEqual(['new'])
    expect(await messages(logs, forever.logGroupName)).toEqual(['old', 'new'])
    // The function's group has a 14-day policy: its lines outlive the store's 7 days.
    expect((await messages(logs, '/aws/lambda/chatty')).some((m) => m?.includes('processing order 1'))).toBe(
      true,
    )
  })
})

describe('CloudWatch Logs: a restart', () => {
  it('keeps created groups, streams (an empty one too), events and retention (tags: tags.test.ts)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-logs-writes-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served({ dataDir })
    const s = await stream(first.logs)
    await first.logs.send(new CreateLogStreamCommand({ ...s, logStreamName: 'empty' }))
    await first.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: s.logGroupName, retentionInDays: 90 }),
    )
    const t = first.p.clock.now()
    await first.logs.send(new PutLogEventsCommand({ ...s, logEvents: [{ timestamp: t, message: 'before' }] }))
    const describe = async (logs: CloudWatchLogsClient) => ({
      groups: (await logs.send(new DescribeLogGroupsCommand({}))).logGroups,
      streams: (await logs.send(new DescribeLogStreamsCommand({ logGroupName: s.logGroupName }))).logStreams,
    })
    const seen = await describe(first.logs)
    await first.p.close()

    const second = await served({ dataDir, clock: first.p.clock })
    expect(await describe(second.logs)).toEqual(seen)
    expect(seen.groups?.[0]?.retentionInDays).toBe(90)
    expect(seen.streams?.map((x) => x.logStreamName)).toEqual(['empty', 'web-1'])
    expect(await messages(second.logs, s.logGroupName)).toEqual(['before'])
  })
})
