import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'
import { followLogs } from './tail.ts'

const dir = new URL('./fixture/', import.meta.url).pathname
const DEFINITION = { name: 'logs-clients', functions: { chatty: { handler: 'chatty.handler' } } }
const boto3 = findBoto3()

async function served() {
  const p = await startPipeline(DEFINITION, { dir, serve: true, teardown: onTestFinished })
  const logs = new CloudWatchLogsClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => logs.destroy())
  return { p, logs }
}

describe('CloudWatch Logs writes from real AWS clients', () => {
  it('boto3 (/usr/bin/python3): create_log_group, create_log_stream, put_log_events, get_log_events', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p, logs } = await served()
    // boto3 stamps events with the real time; the pipeline's clock is the test's (started at the
    // real time, never moved here), so they are within its 14 days / 2 hours.
    const script = `
import json, sys, time
import boto3
logs = boto3.client('logs', endpoint_url=sys.argv[1])
logs.create_log_group(logGroupName='/py/app', tags={'team': 'data'})
logs.create_log_stream(logGroupName='/py/app', logStreamName='worker-1')
now = int(time.time() * 1000)
put = logs.put_log_events(logGroupName='/py/app', logStreamName='worker-1', logEvents=[
    {'timestamp': now - 1, 'message': 'hello from boto3'},
    {'timestamp': now, 'message': 'second line'},
])
try:
    logs.create_log_group(logGroupName='/py/app')
    exists = None
except logs.exceptions.ResourceAlreadyExistsException as e:
    exists = e.response['Error']['Message']
got = logs.get_log_events(logGroupName='/py/app', logStreamName='worker-1', startFromHead=True)
print(json.dumps({
    'token': put.get('nextSequenceToken'),
    'rejected': put.get('rejectedLogEventsInfo'),
    'exists': exists,
    'messages': [e['message'] for e in got['events']],
    'tags': logs.list_tags_log_group(logGroupName='/py/app')['tags'],
}))
`
    const out = JSON.parse(await run(boto3.python, ['-c', script, p.endpoint!]))
    expect(out).toEqual({
      token: expect.stringMatching(/^\d{56}$/),
      rejected: null,
      exists: 'The specified log group already exists',
      messages: ['hello from boto3', 'second line'],
      tags: { team: 'data' },
    })
    const read = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/py/app', logStreamName: 'worker-1', startFromHead: true }),
    )
    expect(read.events?.map((e) => e.message)).toEqual(['hello from boto3', 'second line'])
  })

  it('`aws logs create-log-group`, then `aws logs tail --follow` shows what PutLogEvents writes (Debian’s AWS CLI)', {
    timeout: 120_000,
  }, async (ctx) => {
    const cli = findAwsCli()
    requireClient(cli, ctx)
    const { p, logs } = await served()
    const group = '/cli/app'
    await run(cli.path, [
      'logs',
      'create-log-group',
      '--log-group-name',
      group,
      '--endpoint-url',
      p.endpoint!,
    ])
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'web' }))
    const put = (message: string) =>
      logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: 'web',
          logEvents: [{ timestamp: p.clock.now(), message }],
        }),
      )
    await put('first line')
    const { seen, out: printed } = followLogs(cli.path, group, p.endpoint!)
    await seen('first line')
    // Written while it follows: its next FilterLogEvents poll finds it.
    await put('second line')
    await seen('second line')
    expect(printed()).toMatch(/ web first line/)
    expect(printed().match(/first line/g)).toHaveLength(1)
  })
})
