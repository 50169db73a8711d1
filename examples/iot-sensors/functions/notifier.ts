import type { SQSEvent } from 'aws-lambda'
import { topic } from 'tributary-pipeline/bindings'

/** Lambda's invocation record, as the generator's on-failure destination receives it. */
export interface InvocationRecord {
  version: string
  timestamp: string
  requestContext: {
    requestId: string
    functionArn: string
    condition: 'RetriesExhausted' | 'EventAgeExceeded' | string
    approximateInvokeCount?: number
  }
  requestPayload: unknown
  responseContext: { statusCode: number; executedVersion: string; functionError?: string }
  responsePayload?: { errorType?: string; errorMessage?: string; stackTrace?: string[] }
}

export interface Alert {
  subject: string
  text: string
}

const CONDITIONS: Record<string, string> = {
  RetriesExhausted: 'gave up after its retries',
  EventAgeExceeded: 'gave up: the event was too old to retry',
}

/** What the run was asked to do: the scheduled event's time, or the constant input. */
function describeEvent(payload: unknown): string {
  if (payload && typeof payload === 'object') {
    const p = payload as Record<string, unknown>
    if (p['detail-type'] === 'Scheduled Event')
      return `scheduled run of ${String(p.time)} (${String(p.resources)})`
    return `run with input ${JSON.stringify(payload)}`
  }
  return `run with input ${JSON.stringify(payload)}`
}

/**
 * The human alert for one failed generator invocation: what fired, why, when, and where to look.
 *
 * @example
 * formatAlert(JSON.parse(message.body), { dashboardUrl: 'http://127.0.0.1:4567', queue: 'generator-failures', messageId })
 */
export function formatAlert(
  record: InvocationRecord,
  where: { dashboardUrl: string; queue: string; messageId: string },
): Alert {
  const fn = record.requestContext.functionArn.split(':')[6] ?? record.requestContext.functionArn
  const error = record.responsePayload
  const why = error?.errorMessage
    ? `${error.errorType ?? 'Error'}: ${error.errorMessage}`
    : `the function failed (${record.responseContext.functionError ?? 'no error message'})`
  const attempts = record.requestContext.approximateInvokeCount
  const condition = CONDITIONS[record.requestContext.condition] ?? record.requestContext.condition
  const link = `${where.dashboardUrl.replace(/\/+$/, '')}/ui/#/alarms/${fn}-errors`
  const rows: [string, string][] = [
    [
      'What fired',
      `function ${fn} failed; Lambda ${condition}${attempts ? ` (${attempts} attempt${attempts === 1 ? '' : 's'})` : ''}`,
    ],
    ['Why', why],
    ['When', record.timestamp],
    ['Event', describeEvent(record.requestPayload)],
    ['Request', record.requestContext.requestId],
    ['Function', record.requestContext.functionArn],
    ['Queue', `${where.queue} (message ${where.messageId})`],
    ['Dashboard', link],
  ]
  const text = [
    `The IoT sensor generator failed: no readings were produced for this run.`,
    '',
    ...rows.map(([k, v]) => `${k.padEnd(12)}${v}`),
    '',
    'Fix the generator (remove the break flag or unset GENERATOR_FAIL); the next scheduled run',
    'produces readings again.',
  ].join('\n')
  // SNS subjects are at most 100 characters, on one line.
  const subject = `[iot-sensors] ${fn} failed: ${(error?.errorMessage ?? why).split('\n')[0]}`
  return { subject: subject.length > 100 ? `${subject.slice(0, 97)}...` : subject, text }
}

/**
 * The seed's notification function: reads the failure queue (one message per invocation the
 * generator gave up on) and publishes a readable alert to the `alerts` topic, whose
 * subscriptions send it by e-mail (and to the outbox file).
 */
export const handler = async (event: SQSEvent): Promise<void> => {
  const alerts = topic(process.env.ALERTS_TOPIC ?? 'alerts')
  const dashboardUrl = process.env.DASHBOARD_URL ?? 'http://127.0.0.1:4567'
  const queue = event.Records[0]?.eventSourceARN.split(':').at(-1) ?? 'generator-failures'
  for (const message of event.Records) {
    let record: InvocationRecord
    try {
      record = JSON.parse(message.body) as InvocationRecord
    } catch {
      record = {
        version: '?',
        timestamp: new Date(Number(message.attributes.SentTimestamp)).toISOString(),
        requestContext: { requestId: '?', functionArn: 'unknown', condition: 'unknown' },
        requestPayload: message.body,
        responseContext: { statusCode: 0, executedVersion: '?' },
      }
    }
    const alert = formatAlert(record, { dashboardUrl, queue, messageId: message.messageId })
    await alerts.publish(alert.text, { subject: alert.subject })
    console.log(`alerted: ${alert.subject}`)
  }
}
