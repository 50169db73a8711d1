import { describe, expect, it } from 'vitest'
import { alarmLink, renderAlarm, renderNotification } from '../../../src/monitor/notify/render.ts'
import { alarmMessage, notification } from './fixtures.ts'

describe('renderAlarm', () => {
  it('says what fired, why, the value and links to the dashboard', () => {
    const rendered = renderAlarm(alarmMessage(), { dashboardUrl: 'http://127.0.0.1:4567/' })!
    expect(rendered.subject).toBe('ALARM: HighIteratorAge')
    expect(rendered.text).toMatchInlineSnapshot(`
      "ALARM: HighIteratorAge — Threshold Crossed: 1 out of the last 1 datapoints [120000.0 (01/01/26 00:04:00)] was greater than the threshold (60000.0) (minimum 1 datapoint for OK -> ALARM transition).

      What fired  alarm "HighIteratorAge" (OK → ALARM) at 2026-01-01T00:05:00.000+0000
      Why         Threshold Crossed: 1 out of the last 1 datapoints [120000.0 (01/01/26 00:04:00)] was greater than the threshold (60000.0) (minimum 1 datapoint for OK -> ALARM transition).
      Value       120000 Milliseconds (alarms when > 60000)
      Metric      AWS/Lambda IteratorAge (FunctionName=enrich), Maximum per 60 s, 1 of 1 periods
      Description enrich is falling behind
      Dashboard   http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge
      "
    `)
    expect(rendered.html).toContain(
      '<a href="http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge">http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge</a>',
    )
    expect(rendered.alarm).toMatchObject({
      name: 'HighIteratorAge',
      state: 'ALARM',
      value: 120000,
      threshold: 60000,
    })
  })

  it('prefers StateReasonData for the value and reads a metric-math trigger', () => {
    const rendered = renderAlarm(
      alarmMessage({
        AlarmName: 'error rate',
        NewStateReasonData: JSON.stringify({ recentDatapoints: [0.25], threshold: 0.1 }),
        Trigger: {
          Metrics: [
            { Id: 'e1', Expression: 'errors / invocations', Label: 'ErrorRate', ReturnData: true },
            { Id: 'errors', ReturnData: false },
          ],
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Threshold: 0.1,
        },
      }),
    )!
    expect(rendered.alarm).toMatchObject({
      value: 0.25,
      condition: '>= 0.1',
      metric: 'expression ErrorRate: errors / invocations, 2 of 3 periods',
      link: 'http://127.0.0.1:4567/ui/#/alarms/error%20rate',
    })
  })

  it('renders a return to OK without a value when the reason has none', () => {
    const rendered = renderAlarm({
      AlarmName: 'dlq-depth',
      NewStateValue: 'OK',
      OldStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: no datapoints were received for 1 period',
    })!
    expect(rendered.text.split('\n')[0]).toBe(
      'OK: dlq-depth — Threshold Crossed: no datapoints were received for 1 period',
    )
    expect(rendered.alarm?.value).toBeUndefined()
    expect(rendered.text).not.toContain('Value')
  })

  it.each([
    ['plain text', 'disk full'],
    ['JSON without the alarm fields', '{"AlarmName":"x"}'],
    ['an unknown state', alarmMessage({ NewStateValue: 'MAYBE' })],
    ['broken JSON', '{"AlarmName":'],
  ])('returns undefined for %s', (_, message) => {
    expect(renderAlarm(message)).toBeUndefined()
  })

  it('escapes HTML in alarm fields', () => {
    const rendered = renderAlarm(alarmMessage({ AlarmName: '<script>x</script>' }))!
    expect(rendered.html).not.toContain('<script>')
    expect(rendered.html).toContain('&#60;script&#62;')
  })
})

describe('renderNotification', () => {
  it('renders other messages as text with their subject, JSON pretty-printed', () => {
    const n = notification({ subject: 'Order failed', message: '{"order":42}', messageId: 'm-1' })
    const rendered = renderNotification(n)
    expect(rendered.subject).toBe('Order failed')
    expect(rendered.text).toBe(
      '{\n  "order": 42\n}\n\n-- \nTopic alerts · message m-1 · 2026-01-01T00:05:00.000Z\n',
    )
    expect(rendered.alarm).toBeUndefined()
  })

  it('names the topic when there is no subject', () => {
    expect(renderNotification(notification({ message: 'hello' })).subject).toBe('Notification from alerts')
  })

  it('links to a dashboard behind a path prefix', () => {
    expect(alarmLink('a/b', 'https://ops.example.com/tributary/')).toBe(
      'https://ops.example.com/tributary/ui/#/alarms/a%2Fb',
    )
  })
})
