import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, requireClient, run } from '../../helpers/real-clients.ts'
import { followLogs } from './tail.ts'

const dir = new URL('./fixture/', import.meta.url).pathname
const GROUP = '/aws/lambda/chatty'
/** Lambda's stream of one execution environment: `YYYY/MM/DD/[$LATEST]<32 lowercase hex>`. */
const STREAM = /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const REPORT = new RegExp(
  `^REPORT RequestId: (${UUID})\tDuration: \\d+\\.\\d\\d ms\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\t(Init Duration: \\d+\\.\\d\\d ms\t)?$`,
)
/** A handler's own line without its time and request id; START/END/REPORT as they are. */
const shape = (message: string) =>
  /^(START|END|REPORT) /.test(message) ? message.split(' ')[0]! : message.split('\t').slice(2).join('\t')

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
  return { p, logs: logsClient(p) }
}

function logsClient(p: TestPipeline): CloudWatchLogsClient {
  const logs = new CloudWatchLogsClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => logs.destroy())
  return logs
}

describe('CloudWatch Logs: the functions’ logs', () => {
  it('keeps every line a handler logs under /aws/lambda/<function>, as Lambda’s Node.js runtime writes it', async () => {
    const { logs } = await logged(3)
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }),
    )
    expect(logGroups?.map((g) => g.logGroupName)).toEqual([GROUP])
    expect(logGroups?.[0]).toMatchObject({
      retentionInDays: 7,
      arn: expect.stringContaining(`log-group:${GROUP}`),
    })
    // One warm worker ran the three invocations: one execution environment, one stream.
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }))
    expect(logStreams).toHaveLength(1)
    expect(logStreams?.[0]?.logStreamName).toMatch(STREAM)
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
    expect(logStreams?.[0]?.logStreamName?.startsWith(`${day}/`)).toBe(true)

    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }))
    expect(all.events?.map((e) => shape(e.message!))).toEqual([
      'START',
      'INFO\tprocessing order 1',
      'ERROR\tdone with 1',
      'END',
      'REPORT',
      'START',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'ERROR\tdone with 2',
      'END',
      'REPORT',
      'START',
      'INFO\tprocessing order 3',
      'ERROR\tdone with 3',
      'END',
      'REPORT',
    ])
    const [start, first, , end, report] = all.events!.map((e) => e.message!)
    // Each line: the time, the invocation's request id, the level, the message.
    expect(first).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${UUID}\\tINFO\\t`),
    )
    const id = first!.split('\t')[1]
    expect(start).toBe(`START RequestId: ${id} Version: $LATEST`)
    expect(end).toBe(`END RequestId: ${id}`)
    expect(report).toMatch(REPORT)
    expect(REPORT.exec(report!)?.[1]).toBe(id)
    // Init Duration on the environment's first invocation only.
    const reports = all.events!.map((e) => e.message!).filter((m) => m.startsWith('REPORT'))
    expect(reports.map((r) => r.includes('\tInit Duration: '))).toEqual([true, false, false])

    const even = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'even' }))
    expect(even.events?.map((e) => e.message?.split('\t')[3])).toEqual(['order 2 is even'])
    const reportsOnly = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'REPORT' }),
    )
    expect(reportsOnly.events).toHaveLength(3)
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
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true, limit: 5 }),
    )
    expect(head.events?.map((e) => shape(e.message!))).toEqual([
      'START',
      'INFO\tprocessing order 1',
      'ERROR\tdone with 1',
      'END',
      'REPORT',
    ])
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        nextToken: head.nextForwardToken,
      }),
    )
    expect(next.events?.map((e) => shape(e.message!))).toEqual([
      'START',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'ERROR\tdone with 2',
      'END',
      'REPORT',
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
    expect(tail.events?.map((e) => shape(e.message!))).toEqual(['END', 'REPORT'])
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
    requireClient(cli, ctx)
    const { p } = await logged(1)
    const out = await run(cli.path, ['logs', 'tail', GROUP, '--since', '1d', '--endpoint-url', p.endpoint!])
    expect(out).toContain('INFO\tprocessing order 1')
    expect(out).toContain('ERROR\tdone with 1')
    expect(out).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/)
    expect(out).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /)
    // `aws logs tail` shows each event's stream name (the execution environment's).
    expect(out).toMatch(/\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32} /)
  })
})

describe('CloudWatch Logs: `aws logs tail --follow`', () => {
  it('shows the lines of invocations run while it follows (Debian’s AWS CLI)', {
    timeout: 120_000,
  }, async (ctx) => {
    const cli = findAwsCli()
    requireClient(cli, ctx)
    const { p } = await logged(1)
    const { seen, out: printed } = followLogs(cli.path, GROUP, p.endpoint!)
    await seen('processing order 1')
    // Run while it follows: it polls FilterLogEvents and prints what is new.
    expect((await p.runtime.pool.invoke('chatty', { n: 2 })).kind).toBe('ok')
    await seen('order 2 is even')
    await seen('done with 2')
    expect(printed().match(/processing order 1/g)).toHaveLength(1)
  })
})

describe('CloudWatch Logs: one stream per execution environment, Lambda’s platform lines', () => {
  async function envs() {
    const p = await startPipeline(
      {
        name: 'envs',
        functions: {
          envs: { handler: 'envs.handler' },
          slow: { handler: 'envs.hang', timeout: 1 },
          crashy: { handler: 'envs.crash' },
        },
      },
      { dir, serve: true, teardown: onTestFinished },
    )
    return { p, logs: logsClient(p) }
  }
  const messages = async (logs: CloudWatchLogsClient, group: string, stream?: string) =>
    (
      await logs.send(
        new FilterLogEventsCommand({
          logGroupName: group,
          ...(stream ? { logStreamNames: [stream] } : {}),
        }),
      )
    ).events!.map((e) => e.message!)

  it('gives each worker its own stream, the one the handler sees as context.logStreamName', async () => {
    const { p, logs } = await envs()
    // Two at once: two execution environments.
    const outcomes = await Promise.all([p.runtime.pool.invoke('envs', {}), p.runtime.pool.invoke('envs', {})])
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'ok'])
    const { logStreams } = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/envs' }),
    )
    const names = logStreams!.map((s) => s.logStreamName!)
    expect(names).toHaveLength(2)
    for (const name of names) {
      expect(name).toMatch(STREAM)
      const lines = await messages(logs, '/aws/lambda/envs', name)
      expect(lines.map(shape)).toEqual(['START', `INFO\tstream ${name} env ${name}`, 'END', 'REPORT'])
      expect(lines[3]).toContain('\tInit Duration: ')
    }
  })

  it('writes Lambda’s ERROR line for a handler’s error, with errorType, errorMessage and stack', async () => {
    const { p, logs } = await envs()
    const outcome = await p.runtime.pool.invoke('envs', { fail: true })
    expect(outcome.kind).toBe('error')
    const lines = await messages(logs, '/aws/lambda/envs')
    expect(lines.map((l) => shape(l).split('\t')[0])).toEqual(['START', 'INFO', 'ERROR', 'END', 'REPORT'])
    const error = lines[2]!
    expect(error).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${UUID}\\tERROR\\tInvoke Error \\t\\{`),
    )
    const json = JSON.parse(error.split('\t').slice(4).join('\t'))
    expect(json).toMatchObject({ errorType: 'TypeError', errorMessage: 'order has no id' })
    expect(json.stack[0]).toBe('TypeError: order has no id')
    expect(json.stack.length).toBeGreaterThan(1)
    // A handler's error is not the runtime's: the REPORT line has no Status.
    expect(lines[4]).toMatch(REPORT)
  })

  it('writes Lambda’s timeout line, then END and a REPORT with Status: timeout; the next invocation gets a new environment', async () => {
    const { p, logs } = await envs()
    const timedOut = await p.runtime.pool.invoke('slow', { hang: true })
    expect(timedOut.kind).toBe('timeout')
    const again = await p.runtime.pool.invoke('slow', {})
    expect(again.kind).toBe('ok')
    const { logStreams } = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/slow', orderBy: 'LastEventTime' }),
    )
    expect(logStreams).toHaveLength(2)
    const [killed, fresh] = logStreams!.map((s) => s.logStreamName!)
    const lines = await messages(logs, '/aws/lambda/slow', killed)
    expect(lines.map(shape)).toEqual(['START', 'INFO\tstarted', expect.any(String), 'END', 'REPORT'])
    const id = lines[0]!.split(' ')[2]
    // `<time> <request id> Task timed out after 1.00 seconds`: spaces, no level.
    expect(lines[2]).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${id} Task timed out after 1\\.00 seconds$`),
    )
    expect(lines[4]).toMatch(/\tStatus: timeout\t$/)
    expect(lines[4]).toContain(`REPORT RequestId: ${id}\tDuration: `)
    const next = await messages(logs, '/aws/lambda/slow', fresh)
    expect(next.map(shape)).toEqual(['START', 'INFO\tstarted', 'END', 'REPORT'])
    expect(next[3]).toContain('\tInit Duration: ')
  })

  it('writes an uncaught exception as Lambda’s Node.js runtime does, then the runtime’s exit, END and REPORT', async () => {
    const { p, logs } = await envs()
    const outcome = await p.runtime.pool.invoke('crashy', {})
    expect(outcome.kind).toBe('crash')
    const lines = await messages(logs, '/aws/lambda/crashy')
    expect(lines.map((l) => shape(l).split('\t')[0])).toEqual([
      'START',
      'INFO',
      'ERROR',
      expect.any(String),
      'END',
      'REPORT',
    ])
    const id = lines[0]!.split(' ')[2]!
    expect(lines[2]).toMatch(new RegExp(`^\\d{4}-[\\d:.T-]+Z\\t${id}\\tERROR\\tUncaught Exception \\t\\{`))
    const json = JSON.parse(lines[2]!.split('\t').slice(4).join('\t'))
    expect(json).toMatchObject({ errorType: 'RangeError', errorMessage: 'late failure' })
    expect(json.stack[0]).toBe('RangeError: late failure')
    expect(lines[3]).toMatch(
      new RegExp(`^RequestId: ${id} Error: Runtime exited with error: .+\\nRuntime\\.ExitError$`),
    )
    expect(lines[5]).toMatch(/\tStatus: error\tError Type: Runtime\.ExitError\t$/)
  })

  it('still reads the day streams written before environments had their own', async () => {
    const { p, logs } = await envs()
    // What an older Tributary wrote: one stream per function per day.
    const old = '2026/12/05/[$LATEST]tributary'
    const at = Date.UTC(2026, 11, 5, 12)
    p.runtime.logs.append('/aws/lambda/envs', old, at, '2026-12-05T12:00:00.000Z\tr-1\tINFO\tfrom before')
    await p.runtime.pool.invoke('envs', {})
    const { logStreams } = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/envs' }),
    )
    expect(logStreams!.map((s) => s.logStreamName)).toContain(old)
    const before = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/aws/lambda/envs', logStreamName: old, startFromHead: true }),
    )
    expect(before.events?.map((e) => e.message)).toEqual(['2026-12-05T12:00:00.000Z\tr-1\tINFO\tfrom before'])
  })
})
