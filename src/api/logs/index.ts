import { filterPattern } from '../../monitor/logs/log-store.ts'
import type { AwsService } from '../dispatch.ts'
import { AwsError } from '../errors.ts'
import { offsetPage } from '../offset-page.ts'
import { defineOperation, type Operation } from '../operation.ts'
import { createLogGroup, deleteLogGroup, deleteRetentionPolicy, putRetentionPolicy } from './groups.ts'
import { putLogEvents, sequenceToken } from './put-log-events.ts'
import {
  GROUP_IDENTIFIER,
  GROUP_NAME,
  groupArn,
  groupOf,
  invalidToken,
  LOGS_PROTOCOL,
  logsOf,
  STREAM_NAME,
  TOKEN,
} from './shared.ts'
import { createLogStream, deleteLogStream } from './streams.ts'
import { LOG_TAG_OPERATIONS } from './tags.ts'

export { LOGS_PROTOCOL } from './shared.ts'

/** CloudWatch Logs' X-Amz-Target prefix (JSON 1.1). */
export const LOGS_TARGET_PREFIX = 'Logs_20140328'

/** A token: the direction it reads (`f/` forward, `b/` backward) and the last event's sequence. */
function readToken(token: string | undefined): { forward: boolean; position: number } | undefined {
  if (token === undefined) return undefined
  const match = /^([fb])\/(\d{1,20})$/.exec(token)
  if (!match) throw invalidToken()
  return { forward: match[1] === 'f', position: Number(match[2]) }
}

/** FilterLogEvents reads forward only: its tokens are `f/` ones. */
function filterToken(token: string | undefined): number | undefined {
  const read = readToken(token)
  if (read && !read.forward) throw invalidToken()
  return read?.position
}

function tokenOf(direction: 'f' | 'b', position: number): string {
  return `${direction}/${String(position).padStart(20, '0')}`
}

/** A page of `items` from an offset token. */
function page<T>(items: readonly T[], token: string | undefined, limit: number) {
  const { items: shown, next } = offsetPage(items, token, limit, invalidToken)
  return { items: shown, nextToken: next }
}

export const describeLogGroups = defineOperation({
  name: 'DescribeLogGroups',
  spec: {
    logGroupNamePrefix: GROUP_NAME,
    nextToken: TOKEN,
    limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 50 },
  },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const all = logs.groups(input.logGroupNamePrefix ?? '').map((g) => ({
      ...g,
      metricFilterCount: 0,
      arn: `${groupArn(ctx, g.logGroupName)}:*`,
      logGroupArn: groupArn(ctx, g.logGroupName),
    }))
    const { items, nextToken } = page(all, input.nextToken, input.limit ?? 50)
    return { logGroups: items, ...(nextToken ? { nextToken } : {}) }
  },
})

export const describeLogStreams = defineOperation({
  name: 'DescribeLogStreams',
  spec: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_IDENTIFIER,
    logStreamNamePrefix: STREAM_NAME,
    orderBy: { type: 'String', enum: ['LogStreamName', 'LastEventTime'] },
    descending: { type: 'Boolean' },
    nextToken: TOKEN,
    limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 50 },
  },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const group = groupOf(logs, input)
    if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined)
      throw new AwsError(
        'InvalidParameterException',
        'Cannot order by LastEventTime with a logStreamNamePrefix.',
      )
    let streams = logs
      .streams(group)
      .filter((s) => s.logStreamName.startsWith(input.logStreamNamePrefix ?? ''))
    // A stream with no events yet sorts first by LastEventTime.
    if (input.orderBy === 'LastEventTime')
      streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0))
    if (input.descending) streams = streams.reverse()
    const arn = (s: string) =>
      `arn:aws:logs:${ctx.engine.region}:${ctx.engine.account}:log-group:${group}:log-stream:${s}`
    const { items, nextToken } = page(
      streams.map(({ lastSequence, ...s }) => ({
        ...s,
        arn: arn(s.logStreamName),
        uploadSequenceToken: sequenceToken(lastSequence),
      })),
      input.nextToken,
      input.limit ?? 50,
    )
    return { logStreams: items, ...(nextToken ? { nextToken } : {}) }
  },
})

export const getLogEvents = defineOperation({
  name: 'GetLogEvents',
  spec: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_IDENTIFIER,
    logStreamName: { ...STREAM_NAME, notNull: true },
    startTime: { type: 'Long', greaterThanOrEqual: 0 },
    endTime: { type: 'Long', greaterThanOrEqual: 0 },
    nextToken: TOKEN,
    limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10_000 },
    startFromHead: { type: 'Boolean' },
    unmask: { type: 'Boolean' },
  },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const group = groupOf(logs, input)
    // A token says which way it reads; without one, from the head (startFromHead) or the tail.
    const token = readToken(input.nextToken)
    const forward = token === undefined ? input.startFromHead === true : token.forward
    const position = token?.position
    const limit = input.limit ?? 10_000
    const read = logs.events(group, {
      streams: [input.logStreamName],
      startTime: input.startTime,
      endTime: input.endTime,
      limit,
      ...(forward ? { after: position } : { before: position, newestFirst: true }),
    })
    const events = forward ? read.events : read.events.reverse()
    const first = events[0] ? Number(events[0].eventId) : position
    const last = events.at(-1) ? Number(events.at(-1)!.eventId) : position
    return {
      events: events.map((e) => ({
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
      })),
      // As CloudWatch Logs: a token always comes back; at the end it is the one sent.
      nextForwardToken: tokenOf('f', last ?? 0),
      nextBackwardToken: tokenOf('b', first ?? 0),
    }
  },
})

export const filterLogEvents = defineOperation({
  name: 'FilterLogEvents',
  spec: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_IDENTIFIER,
    logStreamNames: {
      type: 'List',
      children: STREAM_NAME,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 100,
    },
    logStreamNamePrefix: STREAM_NAME,
    startTime: { type: 'Long', greaterThanOrEqual: 0 },
    endTime: { type: 'Long', greaterThanOrEqual: 0 },
    filterPattern: { type: 'String', lengthLessThanOrEqual: 1024 },
    nextToken: TOKEN,
    limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10_000 },
    interleaved: { type: 'Boolean' },
    unmask: { type: 'Boolean' },
  },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const group = groupOf(logs, input)
    if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined)
      throw new AwsError(
        'InvalidParameterException',
        'logStreamNames and logStreamNamePrefix are mutually exclusive',
      )
    const streams =
      input.logStreamNames ??
      (input.logStreamNamePrefix === undefined
        ? undefined
        : logs
            .streams(group)
            .map((s) => s.logStreamName)
            .filter((s) => s.startsWith(input.logStreamNamePrefix!)))
    const read = logs.events(group, {
      streams,
      startTime: input.startTime,
      endTime: input.endTime,
      after: filterToken(input.nextToken),
      limit: input.limit ?? 10_000,
      matches: filterPattern(input.filterPattern),
    })
    return {
      events: read.events,
      searchedLogStreams: [],
      ...(read.more && read.last !== undefined ? { nextToken: tokenOf('f', read.last) } : {}),
    }
  },
})

export const LOGS_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    describeLogGroups,
    describeLogStreams,
    getLogEvents,
    filterLogEvents,
    createLogGroup,
    deleteLogGroup,
    createLogStream,
    deleteLogStream,
    putLogEvents,
    putRetentionPolicy,
    deleteRetentionPolicy,
    ...LOG_TAG_OPERATIONS,
  ].map((o) => [o.name, o as Operation]),
)

export const LOGS_SERVICE: AwsService = {
  targetPrefix: LOGS_TARGET_PREFIX,
  signingName: 'logs',
  operations: LOGS_OPERATIONS,
  protocol: LOGS_PROTOCOL,
}
