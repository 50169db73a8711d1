import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ListQueueTagsCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const DEFINITION = { name: 'sqs-tags', queues: { jobs: {} } }

async function served(dataDir?: string) {
  const p = await startPipeline(DEFINITION, { serve: true, teardown: onTestFinished, dataDir })
  const sqs = new SQSClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => sqs.destroy())
  return { p, sqs }
}

async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string } | undefined
  if (!error) throw new Error('expected the call to fail')
  return { name: error.name, message: error.message }
}

const boto3 = findBoto3()

describe('SQS queue tags', () => {
  it('CreateQueue tags, TagQueue overwrites and adds, UntagQueue removes; kept across a restart, gone with the queue', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-sqs-tags-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served(dataDir)
    const { QueueUrl } = await first.sqs.send(
      new CreateQueueCommand({ QueueName: 'tagged', tags: { team: 'shop', env: 'dev' } }),
    )
    const tags = async (sqs: SQSClient, url = QueueUrl) =>
      (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags
    expect(await tags(first.sqs)).toEqual({ env: 'dev', team: 'shop' })
    await first.sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'prod', cost: '42' } }))
    await first.sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['team', 'not-there'] }))
    expect(await tags(first.sqs)).toEqual({ cost: '42', env: 'prod' })
    // A declared queue takes tags too; a queue without any lists none.
    const jobs = `${first.p.endpoint}/000000000000/jobs`
    expect(await tags(first.sqs, jobs)).toBeUndefined()
    await first.p.close()

    const second = await served(dataDir)
    expect(await tags(second.sqs)).toEqual({ cost: '42', env: 'prod' })
    await second.sqs.send(new DeleteQueueCommand({ QueueUrl }))
    await second.sqs.send(new CreateQueueCommand({ QueueName: 'tagged' }))
    expect(await tags(second.sqs)).toBeUndefined()
  })

  it("refuses what SQS's quotas refuse, keeping the tags it had; an unknown queue is QueueDoesNotExist", async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/000000000000/jobs`
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { keep: 'me' } }))
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']))
    expect(await failure(sqs.send(new TagQueueCommand({ QueueUrl, Tags: fifty })))).toEqual({
      name: 'InvalidParameterValue',
      message: 'Too many tags added for queue jobs.',
    })
    expect(
      await failure(sqs.send(new TagQueueCommand({ QueueUrl, Tags: { ['k'.repeat(129)]: 'v' } }))),
    ).toMatchObject({ name: 'InvalidParameterValue' })
    expect(
      await failure(sqs.send(new TagQueueCommand({ QueueUrl, Tags: { k: 'v'.repeat(257) } }))),
    ).toMatchObject({ name: 'InvalidParameterValue' })
    // CreateQueue with a refused tag creates nothing.
    expect(
      await failure(sqs.send(new CreateQueueCommand({ QueueName: 'never', tags: { '': 'x' } }))),
    ).toMatchObject({ name: 'InvalidParameterValue' })
    expect(p.runtime.queues.has('never')).toBe(false)
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ keep: 'me' })
    expect(
      await failure(sqs.send(new ListQueueTagsCommand({ QueueUrl: `${p.endpoint}/000000000000/missing` }))),
    ).toMatchObject({ name: 'QueueDoesNotExist' })
  })

  it('boto3 on the query protocol (/usr/bin/python3): tag_queue, list_queue_tags, untag_queue', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p } = await served()
    const script = `
import json, sys
import boto3
sqs = boto3.client('sqs', endpoint_url=sys.argv[1])
url = sqs.create_queue(QueueName='py', tags={'team': 'data'})['QueueUrl']
sqs.tag_queue(QueueUrl=url, Tags={'env': 'dev', 'team': 'lake'})
listed = sqs.list_queue_tags(QueueUrl=url)['Tags']
sqs.untag_queue(QueueUrl=url, TagKeys=['env'])
after = sqs.list_queue_tags(QueueUrl=url).get('Tags')
print(json.dumps({'listed': listed, 'after': after}))
`
    const out = JSON.parse(await run(boto3.python, ['-', p.endpoint!], script))
    expect(out).toEqual({ listed: { env: 'dev', team: 'lake' }, after: { team: 'lake' } })
  })
})
