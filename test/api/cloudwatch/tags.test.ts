import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { failure } from '../../helpers/aws-error.ts'
import { findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const definition = {
  name: 'cloudwatch-tags',
  alarms: {
    declared: {
      metric: { namespace: 'Shop', name: 'Latency', stat: 'Average' },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 100,
    },
  },
} as const
const ARN = 'arn:aws:cloudwatch:us-east-1:000000000000:alarm'
const alarm = {
  AlarmName: 'orders',
  MetricName: 'Orders',
  Namespace: 'Shop',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 10,
  ComparisonOperator: 'GreaterThanThreshold',
} as const

async function served(dataDir?: string) {
  const p = await startPipeline(definition, { serve: true, teardown: onTestFinished, dataDir })
  const cw = new CloudWatchClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => cw.destroy())
  return { p, cw }
}

const list = async (cw: CloudWatchClient, name: string) =>
  (await cw.send(new ListTagsForResourceCommand({ ResourceARN: `${ARN}:${name}` }))).Tags

const boto3 = findBoto3()

describe('CloudWatch alarm tags', () => {
  it("PutMetricAlarm's Tags on creation (ignored on an update), TagResource, UntagResource; kept across a restart, gone with the alarm", async () => {
    const first = await served()
    const { cw } = first
    await cw.send(new PutMetricAlarmCommand({ ...alarm, Tags: [{ Key: 'team', Value: 'shop' }] }))
    expect(await list(cw, 'orders')).toEqual([{ Key: 'team', Value: 'shop' }])
    await cw.send(
      new PutMetricAlarmCommand({ ...alarm, Threshold: 20, Tags: [{ Key: 'team', Value: 'other' }] }),
    )
    expect(await list(cw, 'orders')).toEqual([{ Key: 'team', Value: 'shop' }])
    await cw.send(
      new TagResourceCommand({
        ResourceARN: `${ARN}:orders`,
        Tags: [
          { Key: 'env', Value: 'dev' },
          { Key: 'team', Value: 'lake' },
        ],
      }),
    )
    await cw.send(new UntagResourceCommand({ ResourceARN: `${ARN}:orders`, TagKeys: ['env', 'absent'] }))
    await cw.send(
      new TagResourceCommand({ ResourceARN: `${ARN}:declared`, Tags: [{ Key: 'owner', Value: 'ops' }] }),
    )
    await first.p.close()

    const { cw: again } = await served(first.p.dataDir)
    expect(await list(again, 'orders')).toEqual([{ Key: 'team', Value: 'lake' }])
    expect(await list(again, 'declared')).toEqual([{ Key: 'owner', Value: 'ops' }])
    await again.send(new DeleteAlarmsCommand({ AlarmNames: ['orders'] }))
    expect(await failure(list(again, 'orders'))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    })
    await again.send(new PutMetricAlarmCommand(alarm))
    expect(await list(again, 'orders')).toEqual([])
  })

  it('refuses a bad ARN, an unknown alarm, over-long keys and more than 50 tags, changing nothing', async () => {
    const { cw } = await served()
    await cw.send(
      new TagResourceCommand({ ResourceARN: `${ARN}:declared`, Tags: [{ Key: 'keep', Value: 'me' }] }),
    )
    const tag = (ResourceARN: string, Tags: { Key: string; Value: string }[]) =>
      failure(cw.send(new TagResourceCommand({ ResourceARN, Tags })))
    expect(await tag('not-an-arn', [{ Key: 'a', Value: 'b' }])).toMatchObject({
      name: 'InvalidParameterValueException',
      status: 400,
    })
    expect(await tag(`${ARN}:nothing`, [{ Key: 'a', Value: 'b' }])).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    })
    expect(await tag(`${ARN}:declared`, [{ Key: 'k'.repeat(129), Value: 'b' }])).toMatchObject({
      status: 400,
    })
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))
    expect(await tag(`${ARN}:declared`, many)).toMatchObject({ name: 'LimitExceededException', status: 400 })
    expect(await list(cw, 'declared')).toEqual([{ Key: 'keep', Value: 'me' }])
  })

  it('boto3 (/usr/bin/python3, the query protocol): tag_resource, list_tags_for_resource, untag_resource', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p } = await served()
    const script = `
import json, sys
import boto3
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1])
arn = '${ARN}:declared'
cw.tag_resource(ResourceARN=arn, Tags=[{'Key': 'team', 'Value': 'data'}, {'Key': 'env', 'Value': 'dev'}])
listed = cw.list_tags_for_resource(ResourceARN=arn)['Tags']
cw.untag_resource(ResourceARN=arn, TagKeys=['env'])
after = cw.list_tags_for_resource(ResourceARN=arn)['Tags']
print(json.dumps({'listed': listed, 'after': after}))
`
    const out = JSON.parse(await run(boto3.python, ['-', p.endpoint!], script))
    expect(out).toEqual({
      listed: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'data' },
      ],
      after: [{ Key: 'team', Value: 'data' }],
    })
  })
})
