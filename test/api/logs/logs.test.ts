import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, run } from '../../helpers/real-clients.ts'

const dir = new URL('./fixture/', import.meta.url).pathname
const GROUP = '/aws/lambda/chatty'

/** A pipeline whose function logs three or two lines per invocation, run `n` times. */
async function logged(n: number): Promise<{ p: TestPipeline; logs: CloudWatchLogsClient }> {
  const p = await startPipeline(
    { name: 'logs', functions: { chatty: { handler: 'chatty.handler' } } },
    { dir, serve: true, teardown: onTestFinished },
  )
  for (let i = 1; i <= n; i++) {
    const outcome = await p.runtime.pool.invoke('chatty', { n: i })
    expect(outcome.kind).toBe('ok')
  }
  const logs = new CloudWatchLogsClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => logs.destroy())
  return { p, logs }
}

describe('CloudWatch Logs: the functions’ logs', () => {
  it('keeps every line a handler logs under /aws/lambda/<function>, as Lambda’s Node.js runtime writes it', async () => {
    const { p, logs } = await logged(3)
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }),
    )
    expect(logGroups?.map((g) => g.logGroupName)).toEqual([GROUP])
    expect(logGroups?.[0]).toMatchObject({
      retentionInDays: 7,
      arn: expect.stringContaining(`log-group:${GROUP}`),
    })
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))
    const day = new Date(p.clock.now()).toISOString().slice(0, 10).replaceAll('-', '/')
    expect(logStreams?.map((s) => s.logStreamName)).toEqual([`${day}/[$LATEST]tributary`])

    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }))
    const lines = all.events?.map((e) => e.message?.split('\t').slice(2).join('\t'))
    expect(lines).toEqual([
      'INFO\tprocessing order 1',
      'ERROR\tdone with 1',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'ERROR\tdone with 2',
      'INFO\tprocessing order 3',
      'ERROR\tdone with 3',
    ])
    // Each line: the time, the invocation's request id, the level, the message.
    expect(all.events?.[0]?.message).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tINFO\t/)

    const even = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'even' }))
    expect(even.events?.map((e) => e.message?.split('\t')[3])).toEqual(['order 2 is even'])
    const notDone = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"processing order" -"order 2"' }),
    )
    expect(notDone.events).toHaveLength(2)

    // Pages of two, through nextToken.
    const paged: string[] = []
    let nextToken: string | undefined
    do {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 2, nextToken }))
      paged.push(...(page.events ?? []).map((e) => e.message!))
      nextToken = page.nextToken
    } while (nextToken)
    expect(paged).toEqual(all.events?.map((e) => e.message))
  })

  it('reads a stream from its head or its tail with GetLogEvents, the tokens moving as CloudWatch Logs’ do', async () => {
    const { logs } = await logged(2)
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))
    const stream = logStreams![0]!.logStreamName!
    const head = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, limit: 2 }),
    )
    expect(head.events?.map((e) => e.message?.split('\t')[3])).toEqual(['processing order 1', 'done with 1'])
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        nextToken: head.nextForwardToken,
      }),
    )
    expect(next.events?.map((e) => e.message?.split('\t')[3])).toEqual([
      'processing order 2',
      'order 2 is even',
      'done with 2',
    ])
    // At the end, the same forward token comes back.
    const end = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        nextToken: next.nextForwardToken,
      }),
    )
    expect(end.events).toEqual([])
    expect(end.nextForwardToken).toBe(next.nextForwardToken)
    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 2 }),
    )
    expect(tail.events?.map((e) => e.message?.split('\t')[3])).toEqual(['order 2 is even', 'done with 2'])
  })

  it('answers a missing log group as CloudWatch Logs does', async () => {
    const { logs } = await logged(0)
    const error = await logs
      .send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nope' }))
      .catch((e) => e)
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    })
  })

  it('serves `aws logs tail` (Debian’s AWS CLI)', { timeout: 120_000 }, async (ctx) => {
    const cli = findAwsCli()
    if ('missing' in cli) {
      console.warn(`skipped: ${cli.missing}`)
      ctx.skip(cli.missing)
      return
    }
    const { p } = await logged(1)
    const out = await run(cli.path, ['logs', 'tail', GROUP, '--since', '1d', '--endpoint-url', p.endpoint!])
    expect(out).toContain('INFO\tprocessing order 1')
    expect(out).toContain('ERROR\tdone with 1')
  })
})
