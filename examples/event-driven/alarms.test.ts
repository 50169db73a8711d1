import { join } from 'node:path'
import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { readOutbox } from '../../src/monitor/notify/index.ts'
import { parseMail, startSmtpServer } from '../../test/monitor/notify/fixtures.ts'
import { generateBatch } from './functions/generator.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 10, 0, 0)

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('examples/event-driven alarms (seed 001)', () => {
  it('a poison record: the error-rate and DLQ-depth alarms go to ALARM and e-mail ops', async () => {
    const smtp = await startSmtpServer()
    // No scheduled batches (a cron far away); SMTP from the environment, as a user would set it.
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(START),
      env: {
        EVENTS_SCHEDULE: 'cron(0 0 1 1 ? 2030)',
        TRIBUTARY_SMTP_HOST: '127.0.0.1',
        TRIBUTARY_SMTP_PORT: String(smtp.port),
      },
      teardown: onTestFinished,
    })
    await p.active()
    expect(
      p.runtime.alarms
        .listAlarms()
        .map((a) => a.name)
        .sort(),
    ).toEqual([
      'processor-dlq-depth',
      'processor-error-rate',
      'processor-iterator-age',
      'processor-throttles',
    ])

    // 20 good events and a record that is not JSON, on one key: one batch, bisected until the
    // poison record is alone, which then fails twice more and goes to processor-dlq.
    const good = generateBatch(20, 5, Date.parse('2026-11-23T10:00:00.000Z'))
    const entries = good.map((data) => ({ partitionKey: 'user-1', data: b64(data) }))
    entries.splice(10, 0, { partitionKey: 'user-1', data: b64('{"event_id": ') })
    expect((await putRecords(p.runtime.engine, 'events', entries)).outcomes.every((o) => o.ok)).toBe(true)

    const alarmed = (name: string) =>
      p.runtime.alarms.history(name).find((h) => h.type === 'StateUpdate' && h.newState === 'ALARM')
    await p.until(
      () =>
        alarmed('processor-error-rate') !== undefined &&
        alarmed('processor-dlq-depth') !== undefined &&
        smtp.mails.length >= 2,
      // Small steps: the clock moves while workers run, and big jumps would make the records
      // look minutes old to the mapping (IteratorAge) when they are not.
      100,
    )
    expect(p.runtime.queues.depth('processor-dlq').visible).toBe(1)
    const errors = p.metric('Errors', { FunctionName: 'processor' }).sum
    const invocations = p.metric('Invocations', { FunctionName: 'processor' }).sum
    expect(errors).toBeGreaterThanOrEqual(3)
    expect((100 * errors) / invocations).toBeGreaterThan(5)

    // Why each alarm fired, in CloudWatch's words.
    expect(alarmed('processor-dlq-depth')!.reason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(23\/11\/26 \d\d:\d\d:00\)\] was greater than the threshold \(0\.0\)/,
    )
    expect(alarmed('processor-error-rate')!.reason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[\d+(\.\d+)? \(23\/11\/26 \d\d:\d\d:00\)\] was greater than the threshold \(5\.0\)/,
    )
    // Nothing was throttled. (The iterator-age alarm is not asserted either way: the test clock
    // moves in steps while real workers run, so iterator age in simulated time says nothing.)
    expect(alarmed('processor-throttles')).toBeUndefined()

    // The e-mails at the real SMTP server: one per alarm, what fired, why, the value and a link.
    const mails = smtp.mails.map((m) => ({ ...m, ...parseMail(m.raw) }))
    const mail = (name: string) => mails.find((m) => m.headers.subject === `ALARM: ${name}`)!
    for (const name of ['processor-error-rate', 'processor-dlq-depth']) {
      const m = mail(name)
      expect(m.to).toEqual(['ops@example.com'])
      expect(m.from).toBe('alerts@event-driven.example.com')
      expect(m.text).toContain(`What fired  alarm "${name}" (OK → ALARM)`)
      expect(m.text).toContain('Why         Threshold Crossed: 1 out of the last 1 datapoints')
      expect(m.text).toContain(`Dashboard   http://127.0.0.1:4567/ui/#/alarms/${name}`)
      expect(m.html).toContain(`<a href="http://127.0.0.1:4567/ui/#/alarms/${name}">`)
    }
    expect(mail('processor-dlq-depth').text).toContain('Value       1 (alarms when > 0)')
    expect(mail('processor-dlq-depth').text).toContain(
      'Metric      AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=processor-dlq), Maximum per 60 s',
    )
    expect(mail('processor-error-rate').text).toMatch(/Value {7}\d+(\.\d+)? \(alarms when > 5\)/)
    expect(mail('processor-error-rate').text).toContain(
      'Description High error rate (> 5 %) of the Kinesis processor',
    )

    // And the outbox subscription has the same alarms.
    const outbox = await readOutbox(join(p.dataDir, 'outbox.ndjson'))
    expect(outbox.map((e) => e.alarm?.name).sort()).toEqual(
      expect.arrayContaining(['processor-dlq-depth', 'processor-error-rate']),
    )
  })
})
