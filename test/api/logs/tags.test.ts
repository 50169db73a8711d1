import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { failure } from '../../helpers/aws-error.ts'

const dir = new URL('./fixture/', import.meta.url).pathname
const DEFINITION = { name: 'logs-tags', functions: { chatty: { handler: 'chatty.handler' } } }
const ARN = 'arn:aws:logs:us-east-1:000000000000:log-group:'

async function served(dataDir?: string) {
  const p = await startPipeline(DEFINITION, { dir, serve: true, teardown: onTestFinished, dataDir })
  const logs = new CloudWatchLogsClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => logs.destroy())
  return { p, logs }
}

describe('CloudWatch Logs: log group tags', () => {
  it('CreateLogGroup’s tags, TagResource/UntagResource by ARN and the older TagLogGroup family; kept across a restart, gone with the group', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-logs-tags-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served(dataDir)
    const logGroupName = '/app/orders'
    const resourceArn = `${ARN}${logGroupName}`
    await first.logs.send(new CreateLogGroupCommand({ logGroupName, tags: { team: 'shop' } }))
    const byArn = async (logs: CloudWatchLogsClient, arn = resourceArn) =>
      (await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags
    const byName = async (logs: CloudWatchLogsClient) =>
      (await logs.send(new ListTagsLogGroupCommand({ logGroupName }))).tags
    expect(await byArn(first.logs)).toEqual({ team: 'shop' })
    await first.logs.send(new TagResourceCommand({ resourceArn, tags: { env: 'dev', team: 'lake' } }))
    await first.logs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env', 'absent'] }))
    expect(await byName(first.logs)).toEqual({ team: 'lake' })
    await first.logs.send(new TagLogGroupCommand({ logGroupName, tags: { owner: 'ops', cost: '12' } }))
    await first.logs.send(new UntagLogGroupCommand({ logGroupName, tags: ['cost'] }))
    // DescribeLogGroups' `arn` (with `:*`) names the group too.
    expect(await byArn(first.logs, `${resourceArn}:*`)).toEqual({ owner: 'ops', team: 'lake' })
    // A function's group takes tags as well.
    expect((await first.p.runtime.pool.invoke('chatty', { n: 1 })).kind).toBe('ok')
    await first.logs.send(
      new TagResourceCommand({ resourceArn: `${ARN}/aws/lambda/chatty`, tags: { fn: 'y' } }),
    )
    await first.p.close()

    const second = await served(dataDir)
    expect(await byArn(second.logs)).toEqual({ owner: 'ops', team: 'lake' })
    expect(await byArn(second.logs, `${ARN}/aws/lambda/chatty`)).toEqual({ fn: 'y' })
    await second.logs.send(new DeleteLogGroupCommand({ logGroupName }))
    expect(await failure(byArn(second.logs))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
      status: 400,
    })
    await second.logs.send(new CreateLogGroupCommand({ logGroupName }))
    expect(await byArn(second.logs)).toEqual({})
  })

  it('refuses a 51st tag, unknown resources and missing groups, changing nothing', async () => {
    const { logs } = await served()
    const logGroupName = '/app/orders'
    const resourceArn = `${ARN}${logGroupName}`
    await logs.send(new CreateLogGroupCommand({ logGroupName, tags: { keep: 'me' } }))
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']))
    expect(await failure(logs.send(new TagResourceCommand({ resourceArn, tags: fifty })))).toEqual({
      name: 'TooManyTagsException',
      message: 'A resource can have no more than 50 tags.',
      status: 400,
    })
    expect(await failure(logs.send(new TagLogGroupCommand({ logGroupName, tags: fifty })))).toMatchObject({
      name: 'InvalidParameterException',
    })
    expect(
      await failure(logs.send(new TagResourceCommand({ resourceArn, tags: { ['k'.repeat(129)]: 'v' } }))),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 })
    expect(
      await failure(logs.send(new ListTagsForResourceCommand({ resourceArn: `${ARN}/app/none` }))),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
      status: 400,
    })
    expect(
      await failure(
        logs.send(
          new ListTagsForResourceCommand({
            resourceArn: 'arn:aws:logs:us-east-1:000000000000:destination:d',
          }),
        ),
      ),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified resource does not exist.',
      status: 400,
    })
    expect(
      await failure(logs.send(new ListTagsLogGroupCommand({ logGroupName: '/app/none' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
    })
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName }))).tags).toEqual({ keep: 'me' })
  })
})
