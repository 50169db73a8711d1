import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultOutboxPath, OutboxChannel, readOutbox } from '../../../src/monitor/notify/outbox-channel.ts'
import { NotificationDeliveryError } from '../../../src/monitor/notify/types.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { notification, T0 } from './fixtures.ts'

describe('OutboxChannel', () => {
  it('appends one JSON line per notification, rendered for people', async () => {
    const dir = await tempDir()
    const file = defaultOutboxPath(join(dir, 'data'))
    const outbox = new OutboxChannel({ file, clock: new ManualClock(T0 + 10) })
    const alarm = notification({ attributes: { severity: 'high' } })
    const plain = notification({ subject: 'hello', message: 'plain text' })

    await outbox.deliver(alarm)
    outbox.deliverSync(plain)

    const text = await readFile(file, 'utf8')
    expect(text.split('\n')).toHaveLength(3)
    const [first, second] = await readOutbox(file)
    expect(first).toEqual({
      writtenAt: '2026-01-01T00:05:00.010Z',
      topic: 'alerts',
      messageId: alarm.messageId,
      timestamp: '2026-01-01T00:05:00.000Z',
      subject: 'ALARM: HighIteratorAge',
      message: alarm.message,
      rendered: expect.stringContaining('Value       120000 Milliseconds (alarms when > 60000)'),
      attributes: { severity: 'high' },
      alarm: {
        name: 'HighIteratorAge',
        state: 'ALARM',
        value: 120000,
        threshold: 60000,
        link: 'http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge',
      },
    })
    expect(second).toMatchObject({
      subject: 'hello',
      message: 'plain text',
      rendered: expect.stringMatching(/^plain text\n/),
    })
    expect(second).not.toHaveProperty('alarm')
  })

  it('records the recipients when it stands in for e-mail', async () => {
    const file = join(await tempDir(), 'outbox.ndjson')
    new OutboxChannel({ file, to: ['ops@example.com'] }).deliverSync(notification())
    expect((await readOutbox(file))[0]!.to).toEqual(['ops@example.com'])
  })

  it('reports a file it cannot write as a delivery error', async () => {
    const dir = await tempDir()
    const outbox = new OutboxChannel({ file: dir }) // a directory
    expect(() => outbox.deliverSync(notification())).toThrow(NotificationDeliveryError)
    expect(() => outbox.deliverSync(notification())).toThrow(
      /outbox delivery to .* failed after 1 attempt\(s\): EISDIR/,
    )
  })
})

describe('readOutbox', () => {
  it('is empty when nothing was written', async () => {
    expect(await readOutbox(join(await tempDir(), 'missing.ndjson'))).toEqual([])
  })

  it('leaves out a last line cut short by a crash', async () => {
    const file = join(await tempDir(), 'outbox.ndjson')
    new OutboxChannel({ file }).deliverSync(notification())
    await appendFile(file, '{"topic":"al')
    expect(await readOutbox(file)).toHaveLength(1)
  })

  it('names a damaged line elsewhere', async () => {
    const file = join(await tempDir(), 'outbox.ndjson')
    await appendFile(file, 'garbage\n')
    await expect(readOutbox(file)).rejects.toThrow(`${file}:1: not a JSON line`)
  })
})
