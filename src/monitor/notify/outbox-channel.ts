import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { type Clock, systemClock } from '../../util/clock.ts'
import { type AlarmSummary, type RenderOptions, renderNotification } from './render.ts'
import { type Notification, type NotificationChannel, NotificationDeliveryError } from './types.ts'

export const OUTBOX_FILE = 'outbox.ndjson'

/** One line of the outbox: the notification as sent, and as a person would read it. */
export interface OutboxEntry {
  /** When the line was written (ISO 8601). */
  writtenAt: string
  topic: string
  messageId: string
  /** When the notification was published. */
  timestamp: string
  /** The subject an e-mail would carry (the alarm's state and name for alarms). */
  subject: string
  /** The message as published (for alarms, CloudWatch's JSON). */
  message: string
  attributes?: Record<string, string>
  /** Set when an e-mail subscription wrote here because no SMTP server is configured. */
  to?: string[]
  /** The plain-text rendering: what fired, why, the value and the dashboard link for alarms. */
  rendered: string
  alarm?: Pick<AlarmSummary, 'name' | 'state' | 'value' | 'threshold' | 'link'>
}

export interface OutboxChannelOptions extends RenderOptions {
  /** The outbox file; see {@link defaultOutboxPath}. */
  file: string
  clock?: Clock
  /** Recorded in each entry (an e-mail subscription writing here for want of an SMTP server). */
  to?: string[]
}

export function defaultOutboxPath(dataDir: string): string {
  return join(dataDir, OUTBOX_FILE)
}

/**
 * Appends one JSON line per notification to a local file and fsyncs it before reporting the
 * notification delivered — the zero-setup channel: `tail -f .tributary/outbox.ndjson` shows alerts.
 *
 * @example
 * const outbox = new OutboxChannel({ file: defaultOutboxPath('.tributary') })
 * outbox.deliverSync({ topic: 'alerts', message: 'disk full', messageId, timestamp })
 */
export class OutboxChannel implements NotificationChannel {
  readonly file: string
  readonly #options: OutboxChannelOptions
  readonly #clock: Clock

  constructor(options: OutboxChannelOptions) {
    this.file = options.file
    this.#options = options
    this.#clock = options.clock ?? systemClock
  }

  async deliver(notification: Notification): Promise<void> {
    this.deliverSync(notification)
  }

  /**
   * Appends and fsyncs before returning, so a topic can write the outbox inside its publish. One
   * `write` per line on an O_APPEND descriptor keeps concurrent writers' lines whole.
   */
  deliverSync(notification: Notification): void {
    const line = `${JSON.stringify(this.entry(notification))}\n`
    try {
      const created = !existsSync(this.file)
      if (created) mkdirSync(dirname(this.file), { recursive: true })
      const fd = openSync(this.file, 'a')
      try {
        writeSync(fd, line)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      // A new file is only durable once its directory entry is.
      if (created) syncDirectory(dirname(this.file))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'write failed'
      throw new NotificationDeliveryError('outbox', this.file, 1, code, { cause: error })
    }
  }

  entry(n: Notification): OutboxEntry {
    const rendered = renderNotification(n, this.#options)
    const entry: OutboxEntry = {
      writtenAt: new Date(this.#clock.now()).toISOString(),
      topic: n.topic,
      messageId: n.messageId,
      timestamp: n.timestamp,
      subject: rendered.subject,
      message: n.message,
      rendered: rendered.text,
    }
    if (n.attributes && Object.keys(n.attributes).length > 0) entry.attributes = { ...n.attributes }
    if (this.#options.to) entry.to = [...this.#options.to]
    if (rendered.alarm) {
      const { name, state, value, threshold, link } = rendered.alarm
      entry.alarm = { name, state, value, threshold, link }
    }
    return entry
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads an outbox file, oldest first. A last line without its newline (a write cut short by a
 * crash) is left out; an unreadable line elsewhere is an error naming its line number.
 */
export async function readOutbox(file: string): Promise<OutboxEntry[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const lines = text.split('\n')
  lines.pop() // after the last newline: empty, or a torn write
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as OutboxEntry
    } catch (error) {
      throw new SyntaxError(`${file}:${i + 1}: not a JSON line`, { cause: error })
    }
  })
}
