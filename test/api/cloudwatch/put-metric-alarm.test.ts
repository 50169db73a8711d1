import { rm } from 'node:fs/promises'
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch'
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { type PipelineSource, startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { buildGraph } from '../../../src/web/graph.ts'
import { liveDefinition } from '../../../src/web/live-definition.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const definition = {
  name: 'cloudwatch-put-alarm',
  topics: { alerts: { subscriptions: [{ outbox: true }] } },
  alarms: {
    declared: {
      metric: { namespace: 'Shop', name: 'Latency', stat: 'Average' },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 100,
    },
  },
} satisfies PipelineSource
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const MINUTE = 60_000
const ALERTS = 'arn:aws:sns:us-east-1:000000000000:alerts'

function client(p: TestPipeline): CloudWatchClient {
  const cw = new CloudWatchClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
  onTestFinished(() => cw.destroy())
  return cw
}

async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; Code?: string; message: string; $metadata: { httpStatusCode: number } } | undefined
  if (!error) throw new Error('expected the call to fail')
  return {
    name: error.name,
    code: error.Code,
    message: error.message,
    status: error.$metadata.httpStatusCode,
  }
}

/** An alarm on Shop/Orders (Sum over a minute above 10), alarming to the `alerts` topic. */
const ordersAlarm = {
  AlarmName: 'too-many-orders',
  AlarmDescription: 'orders are surging',
  MetricName: 'Orders',
  Namespace: 'Shop',
  Statistic: 'Sum',
  Dimensions: [{ Name: 'Region', Value: 'eu' }],
  Period: 60,
  Unit: 'Count',
  EvaluationPeriods: 1,
  Threshold: 10,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: [ALERTS],
  OKActions: [ALERTS],
  Tags: [{ Key: 'team', Value: 'shop' }],
} satisfies PutMetricAlarmCommandInput

async function putOrders(cw: CloudWatchClient, value: number) {
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: [
        { MetricName: 'Orders', Dimensions: [{ Name: 'Region', Value: 'eu' }], Value: value, Unit: 'Count' },
      ],
    }),
  )
}

describe('PutMetricAlarm (JSON 1.0, @aws-sdk/client-cloudwatch)', () => {
  it('creates an alarm that the evaluator evaluates: ALARM after PutMetricData, its SNS action in the outbox', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    await cw.send(new PutMetricAlarmCommand(ordersAlarm))

    const created = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] }))
    expect(created.MetricAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'too-many-orders',
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:too-many-orders',
        AlarmDescription: 'orders are surging',
        ActionsEnabled: true,
        AlarmActions: [ALERTS],
        OKActions: [ALERTS],
        InsufficientDataActions: [],
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        MetricName: 'Orders',
        Namespace: 'Shop',
        Statistic: 'Sum',
        Dimensions: [{ Name: 'Region', Value: 'eu' }],
        Period: 60,
        Unit: 'Count',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    ])

    await putOrders(cw, 25)
    await p.advance(2 * MINUTE)
    const [alarm] = (await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms!
    expect(alarm?.AlarmName).toBe('too-many-orders')
    expect(alarm?.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[25\.0 /)
    await p.settle()
    const messages = JSON.stringify(await p.outbox())
    expect(messages).toContain('too-many-orders')
    expect(messages).toContain('ALARM')

    // Same name: the configuration is replaced, the state kept, as CloudWatch does.
    await cw.send(new PutMetricAlarmCommand({ ...ordersAlarm, Threshold: 1000, AlarmDescription: 'raised' }))
    const updated = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms![0]!
    expect(updated).toMatchObject({ StateValue: 'ALARM', Threshold: 1000, AlarmDescription: 'raised' })
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'too-many-orders' }))
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual([
      'Alarm "too-many-orders" updated',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm "too-many-orders" created',
    ])

    // Listed beside the declared alarm; filters and paging as for declared ones.
    const all = await cw.send(new DescribeAlarmsCommand({}))
    expect(all.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['declared', 'too-many-orders'])
    const byPrefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'too' }))
    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['too-many-orders'])
    const byAction = await cw.send(new DescribeAlarmsCommand({ ActionPrefix: ALERTS }))
    expect(byAction.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['too-many-orders'])
    const metricOnly = await cw.send(
      new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], MaxRecords: 1 }),
    )
    expect(metricOnly.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['declared'])
    const next = await cw.send(
      new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], NextToken: metricOnly.NextToken }),
    )
    expect(next.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['too-many-orders'])
    const forMetric = await cw.send(
      new DescribeAlarmsForMetricCommand({
        Namespace: 'Shop',
        MetricName: 'Orders',
        Dimensions: [{ Name: 'Region', Value: 'eu' }],
      }),
    )
    expect(forMetric.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['too-many-orders'])
    const otherMetric = await cw.send(
      new DescribeAlarmsForMetricCommand({ Namespace: 'Shop', MetricName: 'Orders', Statistic: 'Average' }),
    )
    expect(otherMetric.MetricAlarms).toEqual([])

    // The dashboard draws it like a declared alarm, with its edge to the topic.
    const live = liveDefinition(p.runtime)
    expect(live.alarms['too-many-orders']).toMatchObject({ threshold: 1000, actions: { alarm: ['alerts'] } })
    const { edges } = buildGraph(live)
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'alarm:too-many-orders', to: 'topic:alerts' }),
    )
  })

  it('reads only datapoints of its Unit, as CloudWatch alarms do', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const { TreatMissingData: _, ...missing } = ordersAlarm
    await cw.send(new PutMetricAlarmCommand({ ...missing, AlarmName: 'in-count', Unit: 'Count' }))
    await cw.send(new PutMetricAlarmCommand({ ...missing, AlarmName: 'in-seconds', Unit: 'Seconds' }))
    await cw.send(new PutMetricAlarmCommand({ ...missing, AlarmName: 'any-unit', Unit: undefined }))
    await putOrders(cw, 25)
    await p.advance(2 * MINUTE)
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'in-' }))
    expect(MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['in-count', 'ALARM'],
      ['in-seconds', 'INSUFFICIENT_DATA'],
    ])
    const [any] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['any-unit'] }))).MetricAlarms!
    expect(any).toMatchObject({ StateValue: 'ALARM' })
    expect(any?.Unit).toBeUndefined()
  })

  it('takes metric math (Metrics with ReturnData) and topics created through the SNS API', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const sns = new SNSClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
    onTestFinished(() => sns.destroy())
    const sqs = new SQSClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
    onTestFinished(() => sqs.destroy())
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'pager' }))
    await sqs.send(new CreateQueueCommand({ QueueName: 'pages' }))
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:pages',
        Attributes: { RawMessageDelivery: 'true' },
      }),
    )
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'error-rate',
        Metrics: [
          {
            Id: 'errors',
            MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' },
            ReturnData: false,
          },
          {
            Id: 'requests',
            MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Requests' }, Period: 60, Stat: 'Sum' },
            ReturnData: false,
          },
          { Id: 'rate', Expression: '100 * errors / requests', Label: 'error rate', ReturnData: true },
        ],
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [TopicArn!],
      }),
    )
    const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['error-rate'] }))).MetricAlarms!
    expect(alarm?.AlarmActions).toEqual([TopicArn])
    expect(alarm?.Metrics?.map((m) => [m.Id, m.ReturnData])).toEqual([
      ['errors', false],
      ['requests', false],
      ['rate', true],
    ])
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { MetricName: 'Errors', Value: 3 },
          { MetricName: 'Requests', Value: 20 },
        ],
      }),
    )
    await p.advance(2 * MINUTE)
    const [after] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['error-rate'] }))).MetricAlarms!
    expect(after?.StateValue).toBe('ALARM')
    expect(after?.StateReason).toContain('[15.0 ')
    // The action published to the created topic, which delivered CloudWatch's JSON to the queue.
    await p.settle()
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'pages' }))
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
    expect(Messages?.map((m) => JSON.parse(m.Body!))).toEqual([
      expect.objectContaining({
        AlarmName: 'error-rate',
        NewStateValue: 'ALARM',
        OldStateValue: 'INSUFFICIENT_DATA',
      }),
    ])
  })

  it.each([
    [
      'an alarm name past 255 characters',
      { AlarmName: 'a'.repeat(256) },
      `1 validation error detected: Value '${'a'.repeat(256)}' at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255`,
    ],
    [
      'six alarm actions',
      { AlarmActions: Array(6).fill(ALERTS) },
      `1 validation error detected: Value '[${Array(6).fill(ALERTS).join(', ')}]' at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5`,
    ],
    [
      'an unknown comparison operator',
      { ComparisonOperator: 'Above' },
      "1 validation error detected: Value 'Above' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold]",
    ],
    ['a period of 45 s', { Period: 45 }, 'Period must be 10, 20, 30 or a multiple of 60'],
    [
      'more datapoints than periods',
      { EvaluationPeriods: 2, DatapointsToAlarm: 3 },
      'DatapointsToAlarm must be less than or equal to EvaluationPeriods',
    ],
    [
      'more than a day of one-minute periods',
      { EvaluationPeriods: 1441 },
      'The product of Period and EvaluationPeriods must not exceed 86400 seconds (1 day) for periods under an hour.',
    ],
    [
      'Metrics beside MetricName',
      { Metrics: [{ Id: 'm', Expression: '1' }] },
      'MetricName should not be set if list of Metrics is set.',
    ],
    [
      'an unknown missing-data treatment',
      { TreatMissingData: 'zero' },
      'Option zero is not supported. Supported options for parameter TreatMissingData are: [missing, ignore, breaching, notBreaching].',
    ],
    [
      'an anomaly detection band',
      { ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
      'Anomaly detection alarms are not served by Tributary: ComparisonOperator LessThanLowerOrGreaterThanUpperThreshold and ThresholdMetricId need an ANOMALY_DETECTION_BAND model.',
    ],
    [
      'a topic the pipeline does not have',
      { AlarmActions: ['arn:aws:sns:us-east-1:000000000000:nope'] },
      "Invalid action arn:aws:sns:us-east-1:000000000000:nope: alarm actions must be the ARNs of this pipeline's SNS topics (arn:aws:sns:us-east-1:000000000000:<topic>).",
    ],
    [
      'the name of a declared alarm',
      { AlarmName: 'declared' },
      'Alarm declared is declared in the pipeline definition; change or remove it there (alarms: declared).',
    ],
  ])('refuses %s with ValidationError', async (_, change, message) => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const input = { ...ordersAlarm, ...change } as PutMetricAlarmCommandInput
    expect(await failure(cw.send(new PutMetricAlarmCommand(input)))).toMatchObject({
      code: 'ValidationError',
      message,
      status: 400,
    })
    // Nothing was created or changed.
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({}))
    expect(MetricAlarms?.map((a) => [a.AlarmName, a.Threshold])).toEqual([['declared', 100]])
  })

  it('refuses a missing EvaluationPeriods and Metrics where no query returns data', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const { EvaluationPeriods: _, ...rest } = ordersAlarm
    expect(
      await failure(cw.send(new PutMetricAlarmCommand(rest as PutMetricAlarmCommandInput))),
    ).toMatchObject({
      code: 'ValidationError',
      message:
        "1 validation error detected: Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null",
    })
    const math = {
      AlarmName: 'math',
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: [
        { Id: 'a', MetricStat: { Metric: { Namespace: 'S', MetricName: 'A' }, Period: 60, Stat: 'Sum' } },
        { Id: 'b', Expression: 'a * 2' },
      ],
    } satisfies PutMetricAlarmCommandInput
    expect(await failure(cw.send(new PutMetricAlarmCommand(math)))).toMatchObject({
      code: 'ValidationError',
      message: 'Exactly one element of the metrics list should return data.',
    })
  })
})

describe('DeleteAlarms, EnableAlarmActions and DisableAlarmActions', () => {
  it('deletes API alarms (unknown names skipped, history kept) and refuses declared ones', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    await cw.send(new PutMetricAlarmCommand(ordersAlarm))
    await cw.send(new PutMetricAlarmCommand({ ...ordersAlarm, AlarmName: 'second' }))

    // A declared alarm among the names: refused, and nothing is deleted.
    expect(
      await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['too-many-orders', 'declared'] }))),
    ).toMatchObject({
      code: 'ValidationError',
      message:
        'Alarm declared is declared in the pipeline definition; change or remove it there (alarms: declared).',
      status: 400,
    })
    const tooMany = Array.from({ length: 101 }, (_, i) => `a${i}`)
    expect(await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: tooMany })))).toMatchObject({
      code: 'ValidationError',
      message: `1 validation error detected: Value '[${tooMany.join(', ')}]' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100`,
    })
    const still = await cw.send(new DescribeAlarmsCommand({}))
    expect(still.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['declared', 'second', 'too-many-orders'])

    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['too-many-orders', 'never-existed'] }))
    const left = await cw.send(new DescribeAlarmsCommand({}))
    expect(left.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['declared', 'second'])
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'too-many-orders' }))
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual([
      'Alarm "too-many-orders" deleted',
      'Alarm "too-many-orders" created',
    ])
    // A deleted alarm is no longer evaluated: its data changes nothing.
    await putOrders(cw, 50)
    await p.advance(2 * MINUTE)
    const after = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))
    expect(after.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['second'])
  })

  it('DisableAlarmActions: the state still changes and is recorded, no action fires; EnableAlarmActions again', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    await cw.send(new PutMetricAlarmCommand(ordersAlarm))
    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['too-many-orders'] }))
    const [disabled] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms!
    expect(disabled?.ActionsEnabled).toBe(false)
    await putOrders(cw, 25)
    await p.advance(2 * MINUTE)
    await p.settle()
    const [alarmed] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms!
    expect(alarmed?.StateValue).toBe('ALARM')
    expect(await p.outbox()).toEqual([])

    await cw.send(new EnableAlarmActionsCommand({ AlarmNames: ['too-many-orders'] }))
    // Back to OK (no data is not breaching): the OK action fires.
    await p.advance(2 * MINUTE)
    await p.settle()
    const [ok] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] }))).MetricAlarms!
    expect(ok).toMatchObject({ StateValue: 'OK', ActionsEnabled: true })
    expect(JSON.stringify(await p.outbox())).toContain('too-many-orders')

    // PutMetricAlarm's ActionsEnabled: false is kept too.
    await cw.send(new PutMetricAlarmCommand({ ...ordersAlarm, ActionsEnabled: false }))
    const [put] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms!
    expect(put?.ActionsEnabled).toBe(false)
  })
})

describe('alarms put through the API across a restart', () => {
  it('are still there, and evaluated', async () => {
    const p = await startPipeline(definition, { serve: true })
    await client(p).send(new PutMetricAlarmCommand(ordersAlarm))
    await p.close()
    const again = await startPipeline(definition, { serve: true, dataDir: p.dataDir, clock: p.clock })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    const cw = client(again)
    const [kept] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms!
    expect(kept).toMatchObject({ Threshold: 10, AlarmActions: [ALERTS], StateValue: 'INSUFFICIENT_DATA' })
    await putOrders(cw, 25)
    await again.advance(2 * MINUTE)
    const [alarmed] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['too-many-orders'] })))
      .MetricAlarms!
    expect(alarmed?.StateValue).toBe('ALARM')
  })
})

describe('PutMetricAlarm and DeleteAlarms on the query protocol', () => {
  it('answers ErrorResponse with ValidationError', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const body = new URLSearchParams({
      Action: 'PutMetricAlarm',
      Version: '2010-08-01',
      AlarmName: 'q',
      MetricName: 'Orders',
      Namespace: 'Shop',
      Statistic: 'Sum',
      Period: '45',
      EvaluationPeriods: '1',
      Threshold: '1',
      ComparisonOperator: 'GreaterThanThreshold',
    })
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00',
    }
    const response = await fetch(p.endpoint!, { method: 'POST', headers, body })
    expect(response.status).toBe(400)
    const text = await response.text()
    expect(text).toContain('<ErrorResponse')
    expect(text).toContain('<Code>ValidationError</Code>')
    expect(text).toContain('<Message>Period must be 10, 20, 30 or a multiple of 60</Message>')

    const noNames = await fetch(p.endpoint!, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ Action: 'DeleteAlarms', Version: '2010-08-01' }),
    })
    expect(noNames.status).toBe(400)
    expect(await noNames.text()).toContain(
      '<Code>ValidationError</Code><Message>1 validation error detected: Value null at &apos;alarmNames&apos; failed to satisfy constraint: Member must not be null</Message>',
    )
  })

  it('serves the AWS CLI: put-metric-alarm, describe-alarms, delete-alarms', {
    timeout: 120_000,
  }, async (ctx) => {
    const cli = findAwsCli()
    requireClient(cli, ctx)
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const aws = async (...args: string[]) => {
      const out = await run(cli.path, [
        'cloudwatch',
        ...args,
        '--endpoint-url',
        p.endpoint!,
        '--output',
        'json',
      ])
      return out.trim() === '' ? {} : JSON.parse(out)
    }
    await aws(
      'put-metric-alarm',
      '--alarm-name',
      'cli-alarm',
      '--metric-name',
      'Orders',
      '--namespace',
      'Shop',
      '--statistic',
      'Sum',
      '--dimensions',
      'Name=Region,Value=eu',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '10',
      '--comparison-operator',
      'GreaterThanThreshold',
      '--alarm-actions',
      ALERTS,
      '--tags',
      'Key=team,Value=shop',
    )
    const described = await aws('describe-alarms', '--alarm-names', 'cli-alarm')
    expect(described.MetricAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'cli-alarm',
        Dimensions: [{ Name: 'Region', Value: 'eu' }],
        AlarmActions: [ALERTS],
        Threshold: 10,
        StateValue: 'INSUFFICIENT_DATA',
      }),
    ])
    await expect(aws('delete-alarms', '--alarm-names', 'declared')).rejects.toThrow(/ValidationError/)
    await aws('delete-alarms', '--alarm-names', 'cli-alarm')
    const after = await aws('describe-alarms')
    expect(after.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName)).toEqual(['declared'])
  })

  it('serves boto3: a metric-math alarm put on the query protocol goes to ALARM', {
    timeout: 120_000,
  }, async (ctx) => {
    const boto3 = findBoto3()
    requireClient(boto3, ctx)
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const script = `
import sys, json, boto3
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1])
step = sys.argv[2]
if step == 'put':
    cw.put_metric_alarm(
        AlarmName='boto-rate', EvaluationPeriods=1, Threshold=5, ComparisonOperator='GreaterThanThreshold',
        AlarmActions=['${ALERTS}'], TreatMissingData='notBreaching', DatapointsToAlarm=1,
        Metrics=[
            {'Id': 'errors', 'ReturnData': False, 'MetricStat': {'Metric': {'Namespace': 'Shop', 'MetricName': 'Errors',
                'Dimensions': [{'Name': 'Region', 'Value': 'eu'}]}, 'Period': 60, 'Stat': 'Sum'}},
            {'Id': 'requests', 'ReturnData': False, 'MetricStat': {'Metric': {'Namespace': 'Shop', 'MetricName': 'Requests',
                'Dimensions': [{'Name': 'Region', 'Value': 'eu'}]}, 'Period': 60, 'Stat': 'Sum'}},
            {'Id': 'rate', 'Expression': '100 * errors / requests', 'Label': 'rate', 'ReturnData': True},
        ])
    cw.put_metric_data(Namespace='Shop', MetricData=[
        {'MetricName': 'Errors', 'Dimensions': [{'Name': 'Region', 'Value': 'eu'}], 'Value': 2},
        {'MetricName': 'Requests', 'Dimensions': [{'Name': 'Region', 'Value': 'eu'}], 'Value': 10}])
elif step == 'describe':
    a = cw.describe_alarms(AlarmNames=['boto-rate'])['MetricAlarms'][0]
    print(json.dumps({'state': a['StateValue'], 'ids': [m['Id'] for m in a['Metrics']],
        'dims': a['Metrics'][0]['MetricStat']['Metric']['Dimensions'], 'actions': a['AlarmActions']}))
else:
    cw.delete_alarms(AlarmNames=['boto-rate'])
    print(json.dumps([a['AlarmName'] for a in cw.describe_alarms()['MetricAlarms']]))
`
    const py = (step: string) => run(boto3.python, ['-c', script, p.endpoint!, step])
    await py('put')
    await p.advance(2 * MINUTE)
    expect(JSON.parse(await py('describe'))).toEqual({
      state: 'ALARM',
      ids: ['errors', 'requests', 'rate'],
      dims: [{ Name: 'Region', Value: 'eu' }],
      actions: [ALERTS],
    })
    expect(JSON.parse(await py('delete'))).toEqual(['declared'])
  })
})
