import { rm } from 'node:fs/promises'
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch'
import { describe, expect, it, onTestFinished } from 'vitest'
import { type PipelineSource, startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, requireClient, run } from '../../helpers/real-clients.ts'

const definition = {
  name: 'cloudwatch-api',
  topics: { alerts: {} },
  alarms: {
    'slow-checkout': {
      description: 'checkout is slow',
      metric: { namespace: 'Shop', name: 'Latency', dimensions: { Service: 'checkout' }, stat: 'Average' },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 100,
      actions: { alarm: ['alerts'], ok: ['alerts'] },
    },
    'error-rate': {
      metrics: [
        { id: 'errors', metric: { namespace: 'Shop', name: 'Errors', stat: 'Sum' } },
        { id: 'requests', metric: { namespace: 'Shop', name: 'Requests', stat: 'Sum' } },
        { id: 'rate', expression: '100 * errors / requests', label: 'error rate' },
      ],
      period: 60,
      evaluationPeriods: 2,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 5,
    },
  },
} satisfies PipelineSource
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const MINUTE = 60_000

/**
 * The SDK gzips PutMetricData bodies of 10 KiB and more (`Content-Encoding: gzip`), which the
 * server does not decode yet: large puts go uncompressed (see docs/aws-apis.md).
 */
function client(p: TestPipeline, options: { disableRequestCompression?: boolean } = {}): CloudWatchClient {
  const cw = new CloudWatchClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials, ...options })
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

/** A minute boundary a little in the past: data put there is complete when read. */
function minuteAgo(p: TestPipeline, minutes = 1): Date {
  return new Date(Math.floor(p.clock.now() / MINUTE) * MINUTE - minutes * MINUTE)
}

/** A raw query-protocol request, as older CLIs and boto3 send it. */
async function query(p: TestPipeline, params: Record<string, string>) {
  const body = new URLSearchParams({ Version: '2010-08-01', ...params })
  const response = await fetch(p.endpoint!, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00',
    },
    body,
  })
  return { status: response.status, text: await response.text() }
}

describe('the CloudWatch API (JSON 1.0) with @aws-sdk/client-cloudwatch', () => {
  it('puts custom metrics and reads their statistics and percentiles back', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const at = minuteAgo(p, 2)
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          {
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Service', Value: 'checkout' }],
            Timestamp: at,
            Unit: 'Milliseconds',
            Values: [10, 20, 400],
            Counts: [1, 2, 1],
          },
          {
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Service', Value: 'checkout' }],
            Timestamp: new Date(at.getTime() + MINUTE),
            Unit: 'Milliseconds',
            StatisticValues: { SampleCount: 4, Sum: 100, Minimum: 10, Maximum: 40 },
          },
          { MetricName: 'Orders', Timestamp: at, Value: 2.5, Unit: 'Count' },
        ],
      }),
    )
    await p.settle()
    const range = { StartTime: minuteAgo(p, 5), EndTime: new Date(p.clock.now() + MINUTE), Period: 60 }
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'checkout' }],
        Statistics: ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'],
        ...range,
      }),
    )
    expect(stats.Label).toBe('Latency')
    expect(stats.Datapoints).toEqual([
      {
        Timestamp: at,
        Sum: 450,
        SampleCount: 4,
        Average: 112.5,
        Minimum: 10,
        Maximum: 400,
        Unit: 'Milliseconds',
      },
      {
        Timestamp: new Date(at.getTime() + MINUTE),
        Sum: 100,
        SampleCount: 4,
        Average: 25,
        Minimum: 10,
        Maximum: 40,
        Unit: 'Milliseconds',
      },
    ])
    const p99 = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'checkout' }],
        ExtendedStatistics: ['p99', 'p0'],
        ...range,
      }),
    )
    expect(p99.Datapoints?.[0]?.ExtendedStatistics?.p0).toBe(10)
    expect(p99.Datapoints?.[0]?.ExtendedStatistics?.p99).toBeCloseTo(400, -1)
    // Another unit than the series' own, or other dimensions: no datapoints.
    const otherUnit = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'checkout' }],
        Statistics: ['Sum'],
        Unit: 'Seconds',
        ...range,
      }),
    )
    expect(otherUnit.Datapoints).toEqual([])
    const noDims = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Statistics: ['Sum'],
        ...range,
      }),
    )
    expect(noDims.Datapoints).toEqual([])
    const orders = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Orders',
        Statistics: ['Sum'],
        ...range,
      }),
    )
    expect(orders.Datapoints).toEqual([{ Timestamp: at, Sum: 2.5, Unit: 'Count' }])

    // ListMetrics: custom metrics with their dimensions, filtered.
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Shop' }))
    expect(listed.Metrics).toEqual([
      { Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'checkout' }] },
      { Namespace: 'Shop', MetricName: 'Orders', Dimensions: [] },
    ])
    const byDimension = await cw.send(new ListMetricsCommand({ Dimensions: [{ Name: 'Service' }] }))
    expect(byDimension.Metrics?.map((m) => m.MetricName)).toEqual(['Latency'])
    const byName = await cw.send(new ListMetricsCommand({ MetricName: 'Orders' }))
    expect(byName.Metrics?.map((m) => m.Namespace)).toEqual(['Shop'])
  })

  it('answers GetMetricData with metric stats and metric math, as the alarms compute it', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const t1 = minuteAgo(p, 3)
    const t2 = minuteAgo(p, 2)
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { MetricName: 'Requests', Timestamp: t1, Value: 200 },
          { MetricName: 'Requests', Timestamp: t2, Value: 50 },
          { MetricName: 'Errors', Timestamp: t1, Value: 4 },
          { MetricName: 'Errors', Timestamp: t2, Values: [1, 2], Counts: [1, 2] },
        ],
      }),
    )
    const metric = (name: string) => ({
      Metric: { Namespace: 'Shop', MetricName: name },
      Period: 60,
      Stat: 'Sum',
    })
    const { MetricDataResults } = await cw.send(
      new GetMetricDataCommand({
        StartTime: minuteAgo(p, 5),
        EndTime: new Date(p.clock.now()),
        MetricDataQueries: [
          { Id: 'errors', MetricStat: metric('Errors'), ReturnData: false },
          { Id: 'requests', MetricStat: metric('Requests') },
          { Id: 'rate', Expression: '100 * errors / requests', Label: 'error rate' },
          { Id: 'filled', Expression: 'FILL(errors, 0)' },
        ],
        ScanBy: 'TimestampAscending',
      }),
    )
    expect(MetricDataResults).toEqual([
      {
        Id: 'requests',
        Label: 'Requests',
        Timestamps: [t1, t2],
        Values: [200, 50],
        StatusCode: 'Complete',
      },
      { Id: 'rate', Label: 'error rate', Timestamps: [t1, t2], Values: [2, 10], StatusCode: 'Complete' },
      {
        Id: 'filled',
        Label: 'filled',
        Timestamps: [minuteAgo(p, 5), minuteAgo(p, 4), t1, t2, minuteAgo(p, 1), minuteAgo(p, 0)],
        Values: [0, 0, 4, 5, 0, 0],
        StatusCode: 'Complete',
      },
    ])
    // Newest first by default.
    const newest = await cw.send(
      new GetMetricDataCommand({
        StartTime: minuteAgo(p, 5),
        EndTime: new Date(p.clock.now()),
        MetricDataQueries: [{ Id: 'requests', MetricStat: metric('Requests') }],
      }),
    )
    expect(newest.MetricDataResults?.[0]?.Timestamps).toEqual([t2, t1])
    const bad = await failure(
      cw.send(
        new GetMetricDataCommand({
          StartTime: minuteAgo(p, 5),
          EndTime: new Date(p.clock.now()),
          MetricDataQueries: [{ Id: 'x', Expression: '100 * nothing' }],
        }),
      ),
    )
    expect(bad).toMatchObject({
      code: 'ValidationError',
      status: 400,
      message: expect.stringContaining("'nothing'"),
    })
  })

  it('keeps custom metrics across a restart (the metric history in the state store)', async () => {
    const p = await startPipeline(definition, { serve: true })
    const at = minuteAgo(p, 2)
    await client(p).send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [{ MetricName: 'Orders', Timestamp: at, Values: [3, 4], Unit: 'Count' }],
      }),
    )
    await p.close()
    const again = await startPipeline(definition, { serve: true, dataDir: p.dataDir, clock: p.clock })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    const cw = client(again)
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Orders',
        StartTime: minuteAgo(again, 5),
        EndTime: new Date(again.clock.now()),
        Period: 60,
        Statistics: ['Sum', 'Maximum'],
      }),
    )
    expect(stats.Datapoints).toEqual([{ Timestamp: at, Sum: 7, Maximum: 4, Unit: 'Count' }])
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Shop' }))
    expect(listed.Metrics).toEqual([{ Namespace: 'Shop', MetricName: 'Orders', Dimensions: [] }])
  })

  it('pages ListMetrics 500 at a time (the SDK gzips these large PutMetricData requests)', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    for (let batch = 0; batch < 3; batch++)
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'Many',
          MetricData: Array.from({ length: 250 }, (_, i) => ({
            MetricName: 'Hits',
            Dimensions: [{ Name: 'Page', Value: String(batch * 250 + i).padStart(4, '0') }],
            Value: 1,
          })),
        }),
      )
    const first = await cw.send(new ListMetricsCommand({ Namespace: 'Many' }))
    expect(first.Metrics).toHaveLength(500)
    expect(first.NextToken).toBeDefined()
    const second = await cw.send(new ListMetricsCommand({ Namespace: 'Many', NextToken: first.NextToken }))
    expect(second.Metrics).toHaveLength(250)
    expect(second.NextToken).toBeUndefined()
    expect(second.Metrics?.at(-1)?.Dimensions).toEqual([{ Name: 'Page', Value: '0749' }])
    expect(await failure(cw.send(new ListMetricsCommand({ NextToken: 'nonsense' })))).toMatchObject({
      name: 'InvalidNextToken',
      status: 400,
    })
  })

  it("describes the pipeline's alarms with their state, thresholds and topic actions", async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    const initial = await cw.send(new DescribeAlarmsCommand({}))
    expect(initial.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['error-rate', 'INSUFFICIENT_DATA'],
      ['slow-checkout', 'INSUFFICIENT_DATA'],
    ])
    expect(initial.CompositeAlarms).toBeUndefined()

    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'checkout' }], Value: 250 },
        ],
      }),
    )
    await p.advance(2 * MINUTE)
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['slow-checkout'] }))
    expect(MetricAlarms).toHaveLength(1)
    const alarm = MetricAlarms![0]!
    expect(alarm).toMatchObject({
      AlarmName: 'slow-checkout',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:slow-checkout',
      AlarmDescription: 'checkout is slow',
      ActionsEnabled: true,
      AlarmActions: ['arn:aws:sns:us-east-1:000000000000:alerts'],
      OKActions: ['arn:aws:sns:us-east-1:000000000000:alerts'],
      InsufficientDataActions: [],
      StateValue: 'ALARM',
      MetricName: 'Latency',
      Namespace: 'Shop',
      Statistic: 'Average',
      Dimensions: [{ Name: 'Service', Value: 'checkout' }],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
    })
    expect(alarm.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[250\.0 /)
    expect(JSON.parse(alarm.StateReasonData!)).toMatchObject({ version: '1.0', threshold: 100 })
    expect(alarm.StateUpdatedTimestamp).toBeInstanceOf(Date)

    // Filters: state, prefix, action prefix; composite alarms only when asked for (none here).
    const inAlarm = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))
    expect(inAlarm.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['slow-checkout'])
    const prefixed = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'error' }))
    const math = prefixed.MetricAlarms![0]!
    expect(math.AlarmName).toBe('error-rate')
    expect(math.Metrics).toEqual([
      {
        Id: 'errors',
        MetricStat: {
          Metric: { Namespace: 'Shop', MetricName: 'Errors', Dimensions: [] },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'requests',
        MetricStat: {
          Metric: { Namespace: 'Shop', MetricName: 'Requests', Dimensions: [] },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      { Id: 'rate', Expression: '100 * errors / requests', Label: 'error rate', ReturnData: true },
    ])
    const byAction = await cw.send(
      new DescribeAlarmsCommand({ ActionPrefix: 'arn:aws:sns:us-east-1:000000000000:al' }),
    )
    expect(byAction.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['slow-checkout'])
    const composite = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }))
    expect(composite).toMatchObject({ CompositeAlarms: [], MetricAlarms: [] })
    const paged = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 1 }))
    expect(paged.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['error-rate'])
    const rest = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 1, NextToken: paged.NextToken }))
    expect(rest.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['slow-checkout'])
    expect(rest.NextToken).toBeUndefined()

    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'slow-checkout' }))
    expect(history.AlarmHistoryItems?.map((h) => [h.HistoryItemType, h.HistorySummary])).toEqual([
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
      ['ConfigurationUpdate', 'Alarm "slow-checkout" created'],
    ])
    expect(JSON.parse(history.AlarmHistoryItems![0]!.HistoryData!)).toMatchObject({
      oldState: { stateValue: 'INSUFFICIENT_DATA' },
      newState: { stateValue: 'ALARM' },
    })
    const updates = await cw.send(
      new DescribeAlarmHistoryCommand({ HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' }),
    )
    expect(updates.AlarmHistoryItems?.map((h) => h.AlarmName)).toContain('slow-checkout')
  })

  it("answers CloudWatch's errors with the query code the SDK reports", async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const cw = client(p)
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValueException',
      code: 'InvalidParameterValue',
      message: 'The value AWS/Lambda for parameter Namespace is invalid.',
      status: 400,
    })
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Shop',
            MetricData: [
              {
                MetricName: 'x',
                Value: 1,
                StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
              },
            ],
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterCombinationException',
      code: 'InvalidParameterCombination',
      message:
        'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.',
      status: 400,
    })
    expect(
      await failure(
        cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ Value: 1 } as never] })),
      ),
    ).toMatchObject({ name: 'MissingRequiredParameterException', code: 'MissingParameter', status: 400 })
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Shop',
            MetricData: [{ MetricName: 'x', Value: 1, Timestamp: new Date(p.clock.now() - 15 * 86_400_000) }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' })
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Shop',
            MetricData: [{ MetricName: 'x', Values: [1, 2], Counts: [1] }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' })
    const range = { StartTime: new Date(p.clock.now() - 3_600_000), EndTime: new Date(p.clock.now()) }
    expect(
      await failure(
        cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'Shop',
            MetricName: 'x',
            Period: 1,
            Statistics: ['Sum'],
            ...range,
          }),
        ),
      ),
    ).toMatchObject({
      code: 'InvalidParameterCombination',
      message: expect.stringMatching(/exceeds the limit of 1440/),
    })
    expect(
      await failure(
        cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'Shop',
            MetricName: 'x',
            Period: 60,
            Statistics: ['Median' as never],
            ...range,
          }),
        ),
      ),
    ).toMatchObject({
      code: 'InvalidParameterValue',
      message: expect.stringContaining('Statistics.member.1'),
    })
    expect(
      await failure(
        cw.send(new GetMetricStatisticsCommand({ Namespace: 'Shop', MetricName: 'x', Period: 60, ...range })),
      ),
    ).toMatchObject({ code: 'MissingParameter' })
    expect(
      await failure(
        cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'Shop',
            MetricName: 'x',
            Period: 60,
            Statistics: ['Sum'],
            ExtendedStatistics: ['p99'],
            ...range,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterCombination' })
    expect(
      await failure(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }))),
    ).toMatchObject({ code: 'InvalidParameterCombination' })
    expect(
      await failure(cw.send(new DescribeAlarmsCommand({ StateValue: 'BROKEN' as never }))),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    })
  })
})

describe('the CloudWatch API on the query protocol', () => {
  it('takes flattened lists and answers in XML, errors as ErrorResponse', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const at = minuteAgo(p, 1).toISOString()
    const put = await query(p, {
      Action: 'PutMetricData',
      Namespace: 'Shop',
      'MetricData.member.1.MetricName': 'Latency',
      'MetricData.member.1.Dimensions.member.1.Name': 'Service',
      'MetricData.member.1.Dimensions.member.1.Value': 'checkout',
      'MetricData.member.1.Timestamp': at,
      'MetricData.member.1.Unit': 'Milliseconds',
      'MetricData.member.1.Values.member.1': '5',
      'MetricData.member.1.Values.member.2': '15',
      'MetricData.member.2.MetricName': 'Orders',
      'MetricData.member.2.Timestamp': at,
      'MetricData.member.2.StatisticValues.SampleCount': '3',
      'MetricData.member.2.StatisticValues.Sum': '9',
      'MetricData.member.2.StatisticValues.Minimum': '1',
      'MetricData.member.2.StatisticValues.Maximum': '5',
    })
    expect(put.status).toBe(200)
    expect(put.text).toMatch(
      /^<\?xml version="1.0"\?>\n<PutMetricDataResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><ResponseMetadata>/,
    )
    const stats = await query(p, {
      Action: 'GetMetricStatistics',
      Namespace: 'Shop',
      MetricName: 'Latency',
      'Dimensions.member.1.Name': 'Service',
      'Dimensions.member.1.Value': 'checkout',
      StartTime: minuteAgo(p, 3).toISOString(),
      EndTime: new Date(p.clock.now() + MINUTE).toISOString(),
      Period: '60',
      'Statistics.member.1': 'Sum',
      'Statistics.member.2': 'Maximum',
    })
    expect(stats.status).toBe(200)
    expect(stats.text).toContain(
      `<GetMetricStatisticsResult><Label>Latency</Label><Datapoints><member><Timestamp>${at}</Timestamp><Sum>20</Sum><Maximum>15</Maximum><Unit>Milliseconds</Unit></member></Datapoints></GetMetricStatisticsResult>`,
    )
    const percentile = await query(p, {
      Action: 'GetMetricStatistics',
      Namespace: 'Shop',
      MetricName: 'Orders',
      StartTime: minuteAgo(p, 3).toISOString(),
      EndTime: new Date(p.clock.now()).toISOString(),
      Period: '60',
      'ExtendedStatistics.member.1': 'p100',
    })
    expect(percentile.text).toContain(
      '<ExtendedStatistics><entry><key>p100</key><value>5</value></entry></ExtendedStatistics>',
    )
    const listed = await query(p, {
      Action: 'ListMetrics',
      Namespace: 'Shop',
      'Dimensions.member.1.Name': 'Service',
    })
    expect(listed.text).toContain(
      '<ListMetricsResult><Metrics><member><Namespace>Shop</Namespace><MetricName>Latency</MetricName><Dimensions><member><Name>Service</Name><Value>checkout</Value></member></Dimensions></member></Metrics></ListMetricsResult>',
    )
    const data = await query(p, {
      Action: 'GetMetricData',
      StartTime: minuteAgo(p, 3).toISOString(),
      EndTime: new Date(p.clock.now()).toISOString(),
      'MetricDataQueries.member.1.Id': 'latency',
      'MetricDataQueries.member.1.MetricStat.Metric.Namespace': 'Shop',
      'MetricDataQueries.member.1.MetricStat.Metric.MetricName': 'Latency',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name': 'Service',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value': 'checkout',
      'MetricDataQueries.member.1.MetricStat.Period': '60',
      'MetricDataQueries.member.1.MetricStat.Stat': 'Average',
      'MetricDataQueries.member.1.ReturnData': 'false',
      'MetricDataQueries.member.2.Id': 'doubled',
      'MetricDataQueries.member.2.Expression': 'latency * 2',
    })
    expect(data.text).toContain(
      `<MetricDataResults><member><Id>doubled</Id><Label>doubled</Label><Timestamps><member>${at}</member></Timestamps><Values><member>20</member></Values><StatusCode>Complete</StatusCode></member></MetricDataResults>`,
    )
    const alarms = await query(p, { Action: 'DescribeAlarms', 'AlarmNames.member.1': 'slow-checkout' })
    expect(alarms.text).toContain('<MetricAlarms><member><AlarmName>slow-checkout</AlarmName>')
    expect(alarms.text).toContain('<StateValue>INSUFFICIENT_DATA</StateValue>')
    expect(alarms.text).toContain(
      '<AlarmActions><member>arn:aws:sns:us-east-1:000000000000:alerts</member></AlarmActions>',
    )

    const reserved = await query(p, {
      Action: 'PutMetricData',
      Namespace: 'AWS/Kinesis',
      'MetricData.member.1.MetricName': 'x',
      'MetricData.member.1.Value': '1',
    })
    expect(reserved.status).toBe(400)
    expect(reserved.text).toContain(
      '<Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>The value AWS/Kinesis for parameter Namespace is invalid.</Message></Error>',
    )
    const missing = await query(p, { Action: 'PutMetricData', 'MetricData.member.1.Value': '1' })
    expect(missing.text).toContain(
      '<Code>MissingParameter</Code><Message>The parameter Namespace is required.</Message>',
    )
    const unknown = await query(p, { Action: 'PutCompositeAlarm', AlarmName: 'x' })
    expect(unknown.status).toBe(400)
    expect(unknown.text).toContain('<Code>InvalidAction</Code>')
  })

  it('serves the AWS CLI', { timeout: 120_000 }, async (ctx) => {
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
    const at = minuteAgo(p, 1).toISOString()
    await aws(
      'put-metric-data',
      '--namespace',
      'Shop',
      '--metric-name',
      'Latency',
      '--dimensions',
      'Service=checkout',
      '--unit',
      'Milliseconds',
      '--timestamp',
      at,
      '--value',
      '42',
    )
    const stats = await aws(
      'get-metric-statistics',
      '--namespace',
      'Shop',
      '--metric-name',
      'Latency',
      '--dimensions',
      'Name=Service,Value=checkout',
      '--start-time',
      minuteAgo(p, 3).toISOString(),
      '--end-time',
      new Date(p.clock.now() + MINUTE).toISOString(),
      '--period',
      '60',
      '--statistics',
      'Sum',
      'SampleCount',
    )
    expect(stats.Datapoints).toEqual([
      { Timestamp: at.replace('.000Z', '+00:00'), Sum: 42, SampleCount: 1, Unit: 'Milliseconds' },
    ])
    const metrics = await aws('list-metrics', '--namespace', 'Shop')
    expect(metrics.Metrics).toEqual([
      { Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'checkout' }] },
    ])
    const alarms = await aws('describe-alarms', '--state-value', 'INSUFFICIENT_DATA')
    expect(alarms.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName)).toEqual([
      'error-rate',
      'slow-checkout',
    ])
    await expect(
      aws('put-metric-data', '--namespace', 'AWS/SQS', '--metric-name', 'x', '--value', '1'),
    ).rejects.toThrow(/InvalidParameterValue/)
  })
})

describe('SetAlarmState', () => {
  it('sets a pipeline alarm’s state with its reason, fires the state’s actions, and is recorded', async () => {
    const p = await startPipeline(
      { ...definition, topics: { alerts: { subscriptions: [{ outbox: true }] } } },
      { serve: true, teardown: onTestFinished },
    )
    const cw = client(p)
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'slow-checkout',
        StateValue: 'ALARM',
        StateReason: 'testing the pager',
        StateReasonData: '{"by":"test"}',
      }),
    )
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['slow-checkout'] }))
    expect(MetricAlarms?.[0]).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing the pager',
      StateReasonData: '{"by":"test"}',
    })
    const { AlarmHistoryItems } = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'slow-checkout' }),
    )
    expect(AlarmHistoryItems?.[0]?.HistorySummary).toBe('Alarm updated from INSUFFICIENT_DATA to ALARM')
    await p.settle()
    const [notification] = await p.outbox()
    expect(JSON.stringify(notification)).toContain('testing the pager')

    expect(
      await failure(
        cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })),
      ),
    ).toMatchObject({ code: 'ResourceNotFound', status: 404, message: 'Alarm nope not found' })
    expect(
      await failure(
        cw.send(
          new SetAlarmStateCommand({
            AlarmName: 'slow-checkout',
            StateValue: 'OK',
            StateReason: 'x',
            StateReasonData: '{',
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidFormatFault', status: 400 })
  })
})
