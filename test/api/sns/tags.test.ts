import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTagsForResourceCommand,
  SNSClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { findBoto3, requireClient, run } from '../../helpers/real-clients.ts'
import { failure } from './helpers.ts'

const DEFINITION = {
  name: 'sns-tags',
  queues: { inbox: {} },
  topics: { alerts: { subscriptions: [{ queue: 'inbox' }] } },
}
const ARN = 'arn:aws:sns:us-east-1:000000000000'

async function served(dataDir?: string) {
  const p = await startPipeline(DEFINITION, { serve: true, teardown: onTestFinished, dataDir })
  const sns = new SNSClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => sns.destroy())
  return { p, sns }
}

const boto3 = findBoto3()

describe('SNS topic tags', () => {
  it("CreateTopic's Tags, TagResource and UntagResource; kept across a restart, gone with the topic", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-sns-tags-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served(dataDir)
    const { TopicArn } = await first.sns.send(
      new CreateTopicCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'shop' }] }),
    )
    const tags = async (sns: SNSClient, ResourceArn = TopicArn) =>
      (await sns.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags
    expect(await tags(first.sns)).toEqual([{ Key: 'team', Value: 'shop' }])
    await first.sns.send(
      new TagResourceCommand({
        ResourceArn: TopicArn,
        Tags: [
          { Key: 'env', Value: 'dev' },
          { Key: 'team', Value: 'lake' },
        ],
      }),
    )
    await first.sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ['env', 'absent'] }))
    expect(await tags(first.sns)).toEqual([{ Key: 'team', Value: 'lake' }])
    // A declared topic takes tags too.
    await first.sns.send(
      new TagResourceCommand({ ResourceArn: `${ARN}:alerts`, Tags: [{ Key: 'owner', Value: 'ops' }] }),
    )
    // Creating the topic again: the same tags are fine, other tags are SNS's error.
    await first.sns.send(new CreateTopicCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'lake' }] }))
    expect(
      await failure(
        first.sns.send(new CreateTopicCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'x' }] })),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Tags Reason: Topic already exists with different tags',
      status: 400,
    })
    await first.p.close()

    const second = await served(dataDir)
    expect(await tags(second.sns)).toEqual([{ Key: 'team', Value: 'lake' }])
    expect(await tags(second.sns, `${ARN}:alerts`)).toEqual([{ Key: 'owner', Value: 'ops' }])
    await second.sns.send(new DeleteTopicCommand({ TopicArn }))
    expect(await failure(tags(second.sns))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Resource does not exist',
      status: 404,
    })
    await second.sns.send(new CreateTopicCommand({ Name: 'orders' }))
    expect(await tags(second.sns)).toEqual([])
  })

  it('refuses more than 50 tags (TagLimitExceeded) and over-long keys, changing nothing', async () => {
    const { sns } = await served()
    const ResourceArn = `${ARN}:alerts`
    await sns.send(new TagResourceCommand({ ResourceArn, Tags: [{ Key: 'keep', Value: 'me' }] }))
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))
    expect(await failure(sns.send(new TagResourceCommand({ ResourceArn, Tags: fifty })))).toEqual({
      name: 'TagLimitExceededException',
      message: 'Could not complete request: tag quota of per resource exceeded',
      status: 400,
    })
    expect(
      await failure(
        sns.send(new TagResourceCommand({ ResourceArn, Tags: [{ Key: 'k'.repeat(129), Value: '' }] })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 })
    expect(
      await failure(sns.send(new CreateTopicCommand({ Name: 'never', Tags: [{ Key: '', Value: 'x' }] }))),
    ).toMatchObject({ name: 'InvalidParameterException' })
    expect(
      await failure(sns.send(new ListTagsForResourceCommand({ ResourceArn: `${ARN}:never` }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 })
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags).toEqual([
      { Key: 'keep', Value: 'me' },
    ])
  })

  it('boto3 (/usr/bin/python3): tag_resource, list_tags_for_resource, untag_resource', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p } = await served()
    const script = `
import json, sys
import boto3
sns = boto3.client('sns', endpoint_url=sys.argv[1])
arn = sns.create_topic(Name='py', Tags=[{'Key': 'team', 'Value': 'data'}])['TopicArn']
sns.tag_resource(ResourceArn=arn, Tags=[{'Key': 'env', 'Value': 'dev'}])
listed = sns.list_tags_for_resource(ResourceArn=arn)['Tags']
sns.untag_resource(ResourceArn=arn, TagKeys=['team'])
after = sns.list_tags_for_resource(ResourceArn=arn)['Tags']
print(json.dumps({'listed': listed, 'after': after}))
`
    const out = JSON.parse(await run(boto3.python, ['-', p.endpoint!], script))
    expect(out).toEqual({
      listed: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'data' },
      ],
      after: [{ Key: 'env', Value: 'dev' }],
    })
  })
})
