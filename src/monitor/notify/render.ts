import type { Notification } from './types.ts'

/** Where the dashboard is served unless configured otherwise (`tributary dev`'s default port). */
export const DEFAULT_DASHBOARD_URL = 'http://127.0.0.1:4567'

export interface RenderOptions {
  /** Base URL of the dashboard; alarm links point to `<base>/ui/#/alarms/<name>`. */
  dashboardUrl?: string
}

/** What an alarm notification says, read from CloudWatch's alarm JSON. */
export interface AlarmSummary {
  name: string
  /** `ALARM`, `OK` or `INSUFFICIENT_DATA`. */
  state: string
  previousState: string | undefined
  /** NewStateReason: why the state changed. */
  reason: string
  /** The datapoint that decided, when the message carries one. */
  value: number | undefined
  threshold: number | undefined
  /** e.g. `> 60000`, from ComparisonOperator and Threshold. */
  condition: string | undefined
  /** e.g. `AWS/Lambda IteratorAge (FunctionName=enrich), Maximum per 60 s`. */
  metric: string | undefined
  unit: string | undefined
  changedAt: string | undefined
  description: string | undefined
  link: string
}

/** A notification as people read it: one subject line, a plain-text body and an HTML body. */
export interface RenderedMessage {
  subject: string
  text: string
  html: string
  /** Set when the message is a CloudWatch alarm state change. */
  alarm?: AlarmSummary
}

const ALARM_STATES = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA'])

const CONDITIONS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  GreaterThanUpperThreshold: 'above the band',
  LessThanLowerThreshold: 'below the band',
}

/** The dashboard page of one alarm. */
export function alarmLink(name: string, dashboardUrl = DEFAULT_DASHBOARD_URL): string {
  return `${dashboardUrl.replace(/\/+$/, '')}/ui/#/alarms/${encodeURIComponent(name)}`
}

/**
 * Reads a CloudWatch alarm SNS message (AlarmName, NewStateValue, NewStateReason, Trigger, ...):
 * what fired, why, the value and a link to the dashboard. Undefined when `message` is not one.
 *
 * @example
 * const r = renderAlarm(snsMessage, { dashboardUrl: 'http://127.0.0.1:4567' })
 * r?.text // 'ALARM: HighIteratorAge — Threshold Crossed: ...\n\nWhat fired ...'
 */
export function renderAlarm(
  message: string | object,
  options: RenderOptions = {},
): RenderedMessage | undefined {
  const alarm = readAlarm(message, options.dashboardUrl)
  if (!alarm) return undefined
  const rows: [string, string][] = [
    ['What fired', whatFired(alarm)],
    ['Why', alarm.reason],
  ]
  if (alarm.value !== undefined || alarm.condition !== undefined) rows.push(['Value', valueLine(alarm)])
  if (alarm.metric) rows.push(['Metric', alarm.metric])
  if (alarm.description) rows.push(['Description', alarm.description])
  rows.push(['Dashboard', alarm.link])
  const headline = `${alarm.state}: ${alarm.name} — ${alarm.reason}`
  const text = `${headline}\n\n${rows.map(([k, v]) => `${k.padEnd(12)}${v}`).join('\n')}\n`
  const cells = rows
    .map(([k, v]) => {
      const value = k === 'Dashboard' ? `<a href="${escapeHtml(v)}">${escapeHtml(v)}</a>` : escapeHtml(v)
      return `<tr><th align="left" valign="top">${escapeHtml(k)}</th><td>${value}</td></tr>`
    })
    .join('\n')
  const html = `<p><strong>${escapeHtml(headline)}</strong></p>\n<table>\n${cells}\n</table>\n`
  return { subject: `${alarm.state}: ${alarm.name}`, text, html, alarm }
}

/**
 * Renders any notification: alarms through {@link renderAlarm}, other messages as their text
 * (JSON pretty-printed), each followed by the topic, message id and time.
 */
export function renderNotification(n: Notification, options: RenderOptions = {}): RenderedMessage {
  const footer = `Topic ${n.topic} · message ${n.messageId} · ${n.timestamp}`
  const alarm = renderAlarm(n.message, options)
  if (alarm) {
    return {
      ...alarm,
      text: `${alarm.text}\n-- \n${footer}\n`,
      html: `${alarm.html}<p><small>${escapeHtml(footer)}</small></p>\n`,
    }
  }
  const body = prettyJson(n.message) ?? n.message
  return {
    subject: n.subject ?? `Notification from ${n.topic}`,
    text: `${body}\n\n-- \n${footer}\n`,
    html: `<pre>${escapeHtml(body)}</pre>\n<p><small>${escapeHtml(footer)}</small></p>\n`,
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function readAlarm(message: string | object, dashboardUrl: string | undefined): AlarmSummary | undefined {
  const doc = typeof message === 'string' ? parseObject(message) : (message as Record<string, unknown>)
  if (!doc) return undefined
  const { AlarmName: name, NewStateValue: state, NewStateReason: reason } = doc
  if (typeof name !== 'string' || typeof state !== 'string' || typeof reason !== 'string') return undefined
  if (!ALARM_STATES.has(state)) return undefined
  const trigger = isObject(doc.Trigger) ? doc.Trigger : {}
  const threshold = typeof trigger.Threshold === 'number' ? trigger.Threshold : undefined
  const operator = typeof trigger.ComparisonOperator === 'string' ? trigger.ComparisonOperator : undefined
  const symbol = operator ? (CONDITIONS[operator] ?? operator) : undefined
  return {
    name,
    state,
    previousState: str(doc.OldStateValue),
    reason,
    value: datapoint(doc.NewStateReasonData) ?? reasonValue(reason),
    threshold,
    condition: symbol && threshold !== undefined && symbol.length <= 2 ? `${symbol} ${threshold}` : symbol,
    metric: describeMetric(trigger),
    unit: str(trigger.Unit),
    changedAt: str(doc.StateChangeTime),
    description: str(doc.AlarmDescription) || undefined,
    link: alarmLink(name, dashboardUrl),
  }
}

function whatFired(a: AlarmSummary): string {
  const change = a.previousState ? ` (${a.previousState} → ${a.state})` : ` (${a.state})`
  return `alarm "${a.name}"${change}${a.changedAt ? ` at ${a.changedAt}` : ''}`
}

function valueLine(a: AlarmSummary): string {
  const value = a.value === undefined ? 'no datapoint' : `${a.value}${a.unit ? ` ${a.unit}` : ''}`
  return a.condition ? `${value} (alarms when ${a.condition})` : value
}

/** `Namespace MetricName (Dim=value), Statistic per N s, M of K periods`, or the math expression. */
function describeMetric(trigger: Record<string, unknown>): string | undefined {
  const periods =
    typeof trigger.EvaluationPeriods === 'number'
      ? `, ${trigger.DatapointsToAlarm ?? trigger.EvaluationPeriods} of ${trigger.EvaluationPeriods} periods`
      : ''
  if (typeof trigger.MetricName === 'string') {
    const dimensions = Array.isArray(trigger.Dimensions)
      ? trigger.Dimensions.filter(isObject).map(
          (d) => `${str(d.name) ?? str(d.Name)}=${str(d.value) ?? str(d.Value)}`,
        )
      : []
    const on = dimensions.length > 0 ? ` (${dimensions.join(', ')})` : ''
    const statistic = str(trigger.Statistic) ?? str(trigger.ExtendedStatistic)
    const stat = statistic ? `, ${statistic.charAt(0)}${statistic.slice(1).toLowerCase()}` : ''
    const period = typeof trigger.Period === 'number' ? ` per ${trigger.Period} s` : ''
    return `${str(trigger.Namespace) ?? ''} ${trigger.MetricName}${on}${stat}${period}${periods}`.trim()
  }
  if (Array.isArray(trigger.Metrics)) {
    const returned = trigger.Metrics.filter(isObject).find((m) => m.ReturnData === true && m.Expression)
    if (returned)
      return `expression ${str(returned.Label) ?? str(returned.Id)}: ${returned.Expression}${periods}`
  }
  return undefined
}

/** CloudWatch's StateReasonData (an object or its JSON): the most recent datapoint. */
function datapoint(data: unknown): number | undefined {
  const doc = typeof data === 'string' ? parseObject(data) : isObject(data) ? data : undefined
  const recent = doc?.recentDatapoints
  return Array.isArray(recent) && typeof recent[0] === 'number' ? recent[0] : undefined
}

/** `... datapoints [120000.0 (01/01/26 00:04:00), ...] was greater ...`: the first (latest) one. */
function reasonValue(reason: string): number | undefined {
  const match = /datapoints? \[\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(reason)
  return match ? Number(match[1]) : undefined
}

function prettyJson(text: string): string | undefined {
  const doc = parseObject(text)
  return doc ? JSON.stringify(doc, null, 2) : undefined
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined
  try {
    const doc: unknown = JSON.parse(text)
    return isObject(doc) ? doc : undefined
  } catch {
    // Not JSON after all: the message is plain text.
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
