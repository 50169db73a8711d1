import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listAlarms } from '../../src/monitor/alarms/alarm-store.ts'
import {
  type AlarmConfigInput,
  alarmConfigSchema,
  alarmDefinitions,
} from '../../src/monitor/alarms/config.ts'
import {
  AlarmEvaluator,
  type AlarmTransition,
  DeclaredAlarmError,
} from '../../src/monitor/alarms/evaluator.ts'
import { alarmMessage } from '../../src/monitor/alarms/message.ts'
import { MetricStore } from '../../src/monitor/metric-store.ts'
import { StateStore } from '../../src/storage/state/state-store.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from '../helpers/tmp.ts'

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)
const fn = { FunctionName: 'processor' }
const lambda = (name: string) => ({ namespace: 'AWS/Lambda', name, dimensions: fn, stat: 'Sum' })

const errorRate: AlarmConfigInput = {
  description: 'Error rate above 5 %',
  metrics: [
    { id: 'errors', metric: lambda('Errors') },
    { id: 'invocations', metric: lambda('Invocations') },
    { id: 'rate', expression: '100 * errors / invocations', label: 'Error rate (%)' },
  ],
  period: 60,
  evaluationPeriods: 3,
  comparisonOperator: 'GreaterThanThreshold',
  threshold: 5,
  actions: { alarm: ['alerts'], ok: ['alerts'] },
}

async function setup(alarms: Record<string, AlarmConfigInput>, path?: string, start = T0) {
  const state = StateStore.open(path ?? join(await tempDir(), 'state.db'))
  const clock = new ManualClock(start)
  const store = new MetricStore({ clock, state })
  const transitions: AlarmTransition[] = []
  const parsed = Object.fromEntries(Object.entries(alarms).map(([k, v]) => [k, alarmConfigSchema.parse(v)]))
  const evaluator = new AlarmEvaluator({
    metrics: store,
    state,
    clock,
    alarms: alarmDefinitions(parsed),
    onTransition: (t) => transitions.push(t),
  })
  store.start()
  evaluator.start()
  /** Publishes one minute's counts (at 10 s into minute `m`), then moves to the end of minute m. */
  const minute = (m: number, invocations: number, errors: number) => {
    clock.set(T0 + m * 60_000 + 10_000)
    if (invocations > 0) store.record({ ...datum('Invocations', invocations), timestamp: clock.now() })
    if (invocations > 0) store.record({ ...datum('Errors', errors), timestamp: clock.now() })
    clock.set(T0 + (m + 1) * 60_000 + 1000)
  }
  const datum = (name: string, value: number) => ({
    namespace: 'AWS/Lambda',
    name,
    dimensions: fn,
    value,
    unit: 'Count' as const,
    timestamp: clock.now(),
  })
  const states = () => transitions.map((t) => [`${(t.timestamp - T0) / 1000}s`, `${t.from} -> ${t.to}`])
  return { state, clock, store, evaluator, transitions, minute, datum, states }
}

describe('AlarmEvaluator', () => {
  it('moves a metric-math error-rate alarm OK -> ALARM -> OK at exactly the right datapoints', async () => {
    const { minute, states, transitions, evaluator } = await setup({ 'processor-error-rate': errorRate })
    for (const [m, errors] of [0, 1, 2, 3, 4, 5, 6].map((m) => [m, m >= 3 && m <= 5 ? 10 : 1])) {
      minute(m!, 100, errors!)
    }
    expect(states()).toEqual([
      ['61s', 'INSUFFICIENT_DATA -> OK'],
      ['361s', 'OK -> ALARM'],
      ['421s', 'ALARM -> OK'],
    ])
    expect(transitions[1]!.reason).toBe(
      'Threshold Crossed: 3 out of the last 3 datapoints [10.0 (01/01/26 10:05:00), 10.0 (01/01/26 10:04:00), 10.0 (01/01/26 10:03:00)] were greater than the threshold (5.0) (minimum 3 datapoints for OK -> ALARM transition).',
    )
    expect(transitions[1]!.actions).toEqual(['alerts'])
    expect(transitions[1]!.value).toBe(10)
    expect(transitions[2]!.reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [1.0 (01/01/26 10:06:00)] was not greater than the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition).',
    )
    expect(evaluator.listAlarms().map((a) => [a.name, a.state])).toEqual([['processor-error-rate', 'OK']])
  })

  it.each([
    ['missing', 'INSUFFICIENT_DATA', []],
    ['ignore', 'INSUFFICIENT_DATA', []],
    // The first evaluation, 1 s after creation, covers the period that just ended.
    ['breaching', 'ALARM', ['1s', 'INSUFFICIENT_DATA -> ALARM']],
    ['notBreaching', 'OK', ['1s', 'INSUFFICIENT_DATA -> OK']],
  ] as const)('with no data and treatMissingData %s ends %s', async (treat, final, first) => {
    const { clock, evaluator, states } = await setup({
      throttles: {
        metric: lambda('Throttles'),
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        treatMissingData: treat,
      },
    })
    clock.advance(10 * 60_000)
    expect(evaluator.listAlarms()[0]!.state).toBe(final)
    expect(states()).toEqual(first.length ? [first] : [])
  })

  it('keeps ALARM while data is missing with ignore, and goes to INSUFFICIENT_DATA with missing', async () => {
    for (const [treat, final] of [
      ['ignore', 'ALARM'],
      ['missing', 'INSUFFICIENT_DATA'],
    ] as const) {
      const { minute, clock, evaluator } = await setup({
        rate: { ...errorRate, evaluationPeriods: 1, treatMissingData: treat },
      })
      minute(0, 10, 5)
      expect(evaluator.listAlarms()[0]!.state).toBe('ALARM')
      clock.advance(10 * 60_000)
      expect(evaluator.listAlarms()[0]!.state).toBe(final)
    }
  })

  it('goes to ALARM on 2 out of 3 breaching datapoints, not before', async () => {
    const { minute, states } = await setup({ rate: { ...errorRate, datapointsToAlarm: 2 } })
    minute(0, 100, 0)
    minute(1, 100, 10)
    minute(2, 100, 0)
    expect(states()).toEqual([['61s', 'INSUFFICIENT_DATA -> OK']])
    minute(3, 100, 10)
    expect(states()).toEqual([
      ['61s', 'INSUFFICIENT_DATA -> OK'],
      ['241s', 'OK -> ALARM'],
    ])
  })

  it('keeps state and history across a restart', async () => {
    const path = join(await tempDir(), 'state.db')
    const first = await setup({ rate: errorRate }, path)
    for (let m = 0; m < 3; m++) first.minute(m, 10, 5)
    first.evaluator.stop()
    first.store.stop()
    first.state.close()

    const second = await setup({ rate: errorRate }, path, T0 + 3 * 60_000 + 2000)
    expect(second.evaluator.listAlarms().map((a) => [a.name, a.state])).toEqual([['rate', 'ALARM']])
    expect(listAlarms(second.state).map((a) => a.state)).toEqual(['ALARM'])
    expect(second.evaluator.history('rate').map((h) => [h.type, h.summary])).toEqual([
      ['StateUpdate', 'Alarm updated from OK to ALARM'],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to OK'],
      ['ConfigurationUpdate', 'Alarm "rate" created'],
    ])
    // The history read from disk still drives the next evaluation.
    second.evaluator.evaluate()
    second.clock.set(T0 + 4 * 60_000 + 1000)
    expect(second.transitions).toEqual([])
    second.state.close()
  })

  it('builds the CloudWatch alarm notification for SNS', async () => {
    const { minute, transitions } = await setup({ 'processor-error-rate': errorRate })
    for (let m = 0; m < 3; m++) minute(m, 10, 5)
    const t = transitions.at(-1)!
    expect(alarmMessage({ ...t, region: 'us-east-1', account: '000000000000' })).toMatchInlineSnapshot(`
      {
        "AWSAccountId": "000000000000",
        "AlarmActions": [
          "arn:aws:sns:us-east-1:000000000000:alerts",
        ],
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:000000000000:alarm:processor-error-rate",
        "AlarmConfigurationUpdatedTimestamp": "2026-01-01T10:03:01.000+0000",
        "AlarmDescription": "Error rate above 5 %",
        "AlarmName": "processor-error-rate",
        "InsufficientDataActions": [],
        "NewStateReason": "Threshold Crossed: 3 out of the last 3 datapoints [50.0 (01/01/26 10:02:00), 50.0 (01/01/26 10:01:00), 50.0 (01/01/26 10:00:00)] were greater than the threshold (5.0) (minimum 3 datapoints for OK -> ALARM transition).",
        "NewStateValue": "ALARM",
        "OKActions": [
          "arn:aws:sns:us-east-1:000000000000:alerts",
        ],
        "OldStateValue": "OK",
        "Region": "US East (N. Virginia)",
        "StateChangeTime": "2026-01-01T10:03:01.000+0000",
        "Trigger": {
          "ComparisonOperator": "GreaterThanThreshold",
          "DatapointsToAlarm": 3,
          "EvaluateLowSampleCountPercentile": "",
          "EvaluationPeriods": 3,
          "Metrics": [
            {
              "Id": "errors",
              "MetricStat": {
                "Metric": {
                  "Dimensions": [
                    {
                      "name": "FunctionName",
                      "value": "processor",
                    },
                  ],
                  "MetricName": "Errors",
                  "Namespace": "AWS/Lambda",
                },
                "Period": 60,
                "Stat": "Sum",
              },
              "ReturnData": false,
            },
            {
              "Id": "invocations",
              "MetricStat": {
                "Metric": {
                  "Dimensions": [
                    {
                      "name": "FunctionName",
                      "value": "processor",
                    },
                  ],
                  "MetricName": "Invocations",
                  "Namespace": "AWS/Lambda",
                },
                "Period": 60,
                "Stat": "Sum",
              },
              "ReturnData": false,
            },
            {
              "Expression": "100 * errors / invocations",
              "Id": "rate",
              "Label": "Error rate (%)",
              "ReturnData": true,
            },
          ],
          "Period": 60,
          "Threshold": 5,
          "TreatMissingData": "missing",
        },
      }
    `)
  })

  it.each([
    [{ ...errorRate, metric: lambda('Errors') }, 'exactly one of metric and metrics is required'],
    [{ ...errorRate, datapointsToAlarm: 4 }, 'datapointsToAlarm must not exceed evaluationPeriods'],
    [{ ...errorRate, period: 45 }, 'period must divide 60 or be a multiple of 60'],
    [{ ...errorRate, metrics: [{ id: 'e', expression: '100 * x' }] }, "unknown id 'x'"],
    [
      {
        ...errorRate,
        metrics: [
          { id: 'a', expression: 'b' },
          { id: 'b', expression: 'a', returnData: true },
        ],
      },
      'cycle',
    ],
  ])('rejects invalid alarms (%#)', (config, message) => {
    const result = alarmConfigSchema.safeParse(config)
    expect(result.success).toBe(false)
    expect(result.error!.issues.map((i) => i.message).join('; ')).toContain(message)
  })
})

describe('AlarmEvaluator: alarms put through the API (PutMetricAlarm, DeleteAlarms)', () => {
  const put = (name: string, threshold = 5) => ({
    ...alarmConfigSchema.parse({ ...errorRate, threshold }),
    name,
    unit: 'Count',
    tags: [{ key: 'team', value: 'shop' }],
  })

  it('evaluates a put alarm like a declared one, keeps its state on re-put, and reloads it from the store', async () => {
    const path = join(await tempDir(), 'state.db')
    const { evaluator, minute, transitions, state } = await setup({}, path)
    evaluator.put(put('api-rate'))
    expect(evaluator.isDeclared('api-rate')).toBe(false)
    expect(evaluator.listAlarms()).toMatchObject([
      { name: 'api-rate', origin: 'api', state: 'INSUFFICIENT_DATA' },
    ])
    for (let m = 0; m < 3; m++) minute(m, 100, 10)
    expect(transitions.map((t) => [t.alarm.name, t.to, t.actions])).toEqual([
      ['api-rate', 'OK', ['alerts']],
      ['api-rate', 'ALARM', ['alerts']],
    ])

    evaluator.put(put('api-rate', 50))
    expect(evaluator.listAlarms()[0]).toMatchObject({
      state: 'ALARM',
      config: { threshold: 50, unit: 'Count' },
    })
    expect(evaluator.history('api-rate').map((h) => h.summary)).toEqual([
      'Alarm "api-rate" updated',
      'Alarm updated from OK to ALARM',
      'Alarm updated from INSUFFICIENT_DATA to OK',
      'Alarm "api-rate" created',
    ])
    evaluator.stop()
    state.close()

    // A new evaluator (a restart, a rebuild) over the same store has it, and evaluates it.
    const again = await setup({}, path, T0 + 3 * 60_000 + 1000)
    expect(again.evaluator.definition('api-rate')).toMatchObject({
      threshold: 50,
      tags: [{ key: 'team', value: 'shop' }],
    })
    for (let m = 3; m < 6; m++) again.minute(m, 100, 0)
    expect(again.transitions.map((t) => [t.alarm.name, t.from, t.to])).toEqual([['api-rate', 'ALARM', 'OK']])
  })

  it('refuses to put or delete a declared alarm; deletes put ones (unknown names skipped) keeping their history', async () => {
    const { evaluator, minute, transitions } = await setup({ declared: errorRate })
    expect(() => evaluator.put(put('declared'))).toThrow(DeclaredAlarmError)
    evaluator.put(put('api-rate'))
    expect(() => evaluator.delete(['api-rate', 'declared'])).toThrow(DeclaredAlarmError)
    expect(evaluator.listAlarms().map((a) => a.name)).toEqual(['api-rate', 'declared'])
    evaluator.delete(['api-rate', 'nope'])
    expect(evaluator.listAlarms().map((a) => a.name)).toEqual(['declared'])
    expect(evaluator.history('api-rate').map((h) => h.summary)).toEqual([
      'Alarm "api-rate" deleted',
      'Alarm "api-rate" created',
    ])
    for (let m = 0; m < 3; m++) minute(m, 100, 10)
    expect(new Set(transitions.map((t) => t.alarm.name))).toEqual(new Set(['declared']))
  })

  it('fires no action while actions are disabled, and records the change', async () => {
    const { evaluator, minute, transitions } = await setup({ declared: errorRate })
    evaluator.setActionsEnabled(['declared', 'unknown'], false)
    for (let m = 0; m < 3; m++) minute(m, 100, 10)
    expect(transitions.map((t) => [t.to, t.actions])).toEqual([
      ['OK', []],
      ['ALARM', []],
    ])
    expect(evaluator.listAlarms()[0]).toMatchObject({ state: 'ALARM', actionsEnabled: false })
    evaluator.setActionsEnabled(['declared'], true)
    for (let m = 3; m < 6; m++) minute(m, 100, 0)
    expect(transitions.at(-1)).toMatchObject({ from: 'ALARM', to: 'OK', actions: ['alerts'] })
  })
})
