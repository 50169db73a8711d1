import { AwsError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { GROUP_NAME, groupNotFound, logsOf, STREAM_NAME, streamNotFound } from './shared.ts'

/**
 * PutLogEvents' limits.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 */
export const MAX_EVENTS = 10_000
export const MAX_BATCH_BYTES = 1_048_576
/** Counted for each event on top of its message's UTF-8 bytes. */
export const EVENT_OVERHEAD_BYTES = 26
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Events older than this (or than the group's retention) are rejected, not stored. */
export const MAX_AGE_MS = 14 * DAY
/** Events further in the future than this are rejected. */
export const MAX_AHEAD_MS = 2 * HOUR
/** The accepted events of one batch may span at most this. */
export const MAX_SPAN_MS = DAY

const invalid = (message: string) => new AwsError('InvalidParameterException', message)

/**
 * A stream's sequence token, from the sequence of its newest event. CloudWatch Logs ignores the
 * tokens it is sent (since January 2023) but still returns one, so clients that pass it back on
 * their next call keep working.
 */
export function sequenceToken(sequence: number): string {
  return `49${String(sequence).padStart(54, '0')}`
}

/**
 * Which events of a chronological batch are kept, as indices: events before `from` are too old
 * (14 days) or past the group's retention, events from `to` on are more than 2 h ahead.
 */
function kept(timestamps: readonly number[], now: number, retentionDays: number | undefined) {
  const count = (predicate: (t: number) => boolean) => {
    let i = 0
    while (i < timestamps.length && predicate(timestamps[i]!)) i++
    return i
  }
  const tooOld = count((t) => t < now - MAX_AGE_MS)
  const expired = retentionDays === undefined ? 0 : count((t) => t < now - retentionDays * DAY)
  let to = timestamps.length
  while (to > 0 && timestamps[to - 1]! > now + MAX_AHEAD_MS) to--
  const from = Math.min(Math.max(tooOld, expired), to)
  const rejected = {
    ...(tooOld > 0 && { tooOldLogEventEndIndex: tooOld }),
    ...(expired > tooOld && { expiredLogEventEndIndex: expired }),
    ...(to < timestamps.length && { tooNewLogEventStartIndex: to }),
  }
  return { from, to, rejected }
}

export const putLogEvents = defineOperation({
  name: 'PutLogEvents',
  spec: {
    logGroupName: { ...GROUP_NAME, notNull: true },
    logStreamName: { ...STREAM_NAME, notNull: true },
    logEvents: {
      type: 'List',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      children: {
        type: 'Structure',
        children: {
          timestamp: { type: 'Long', notNull: true },
          message: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1 },
        },
      },
    },
    // Ignored, as CloudWatch Logs has ignored it since 2023.
    sequenceToken: { type: 'String', lengthGreaterThanOrEqual: 1 },
  },
  handle(input, ctx) {
    const events = input.logEvents
    if (events.length > MAX_EVENTS)
      throw invalid(`The batch of log events holds ${events.length} events, more than ${MAX_EVENTS}.`)
    let bytes = 0
    for (const e of events) bytes += Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES
    if (bytes > MAX_BATCH_BYTES)
      throw invalid(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`)
    for (let i = 1; i < events.length; i++)
      if (events[i]!.timestamp < events[i - 1]!.timestamp)
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.')

    const logs = logsOf(ctx)
    const { logGroupName: group, logStreamName: stream } = input
    if (!logs.hasGroup(group)) throw groupNotFound()
    if (!logs.hasStream(group, stream)) throw streamNotFound()
    const timestamps = events.map((e) => e.timestamp)
    const { from, to, rejected } = kept(timestamps, ctx.engine.clock.now(), logs.retentionOf(group))
    if (to - from > 0 && timestamps[to - 1]! - timestamps[from]! > MAX_SPAN_MS)
      throw invalid(
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      )
    // Written in one relaxed commit; the dispatcher answers once it is durable (a 200 is fsynced).
    const last =
      to > from ? logs.put(group, stream, events.slice(from, to)) : logs.lastSequence(group, stream)
    return {
      nextSequenceToken: sequenceToken(last),
      ...(Object.keys(rejected).length > 0 && { rejectedLogEventsInfo: rejected }),
    }
  },
})
