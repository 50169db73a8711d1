import type { LogStore } from '../../monitor/logs/log-store.ts'
import { filterPattern } from '../../monitor/logs/log-store.ts'
import type { AwsService, JsonProtocol } from '../dispatch.ts'
import { AwsError } from '../errors.ts'
import { offsetPage } from '../offset-page.ts'
import { defineOperation, type Operation, type OperationContext } from '../operation.ts'

/** CloudWatch Logs' X-Amz-Target prefix (JSON 1.1). */
export const LOGS_TARGET_PREFIX = 'Logs_20140328'

/** Logs' errors carry the bare code as `__type`. */
export const LOGS_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.1',
  errorType: (code) => code,
}

const GROUP_NAME = { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 512 } as const
const STREAM_NAME = { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 512 } as const
const TOKEN = { type: 'String', lengthGreaterThanOrEqual: 1 } as const

function logsOf(ctx: OperationContext): LogStore {
  if (!ctx.pipeline) throw new AwsError('ServiceUnavailable', 'this server runs no pipeline', 503)
  return ctx.pipeline.logs()
}

const groupNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log group does not exist.')

/** The log group a request names (by name or identifier), which must exist. */
const invalidToken = () => new AwsError('InvalidParameterException', 'The specified nextToken is invalid.')

function groupOf(logs: LogStore, input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  const group = input.logGroupName ?? input.logGroupIdentifier
  if (group === undefined)
    throw new AwsError(
      'InvalidParameterException',
      'Either logGroupName or logGroupIdentifier must be specified',
    )
  if (!logs.hasGroup(group)) throw groupNotFound()
  return group
}

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
    const arn = (name: string) => `arn:aws:logs:${ctx.engine.region}:${ctx.engine.account}:log-group:${name}`
    const all = logs.groups(input.logGroupNamePrefix ?? '').map((g) => ({
      ...g,
      metricFilterCount: 0,
      arn: `${arn(g.logGroupName)}:*`,
      logGroupArn: arn(g.logGroupName),
      logGroupClass: 'STANDARD',
    }))
    const { items, nextToken } = page(all, input.nextToken, input.limit ?? 50)
    return { logGroups: items, ...(nextToken ? { nextToken } : {}) }
  },
})

export const describeLogStreams = defineOperation({
  name: 'DescribeLogStreams',
  spec: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_NAME,
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
    if (input.orderBy === 'LastEventTime') streams.sort((a, b) => a.lastEventTimestamp - b.lastEventTimestamp)
    if (input.descending) streams = streams.reverse()
    const arn = (s: string) =>
      `arn:aws:logs:${ctx.engine.region}:${ctx.engine.account}:log-group:${group}:log-stream:${s}`
    const { items, nextToken } = page(
      streams.map((s) => ({ ...s, arn: arn(s.logStreamName), uploadSequenceToken: '1' })),
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
    logGroupIdentifier: GROUP_NAME,
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
    logGroupIdentifier: GROUP_NAME,
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
  [describeLogGroups, describeLogStreams, getLogEvents, filterLogEvents].map((o) => [o.name, o as Operation]),
)

export const LOGS_SERVICE: AwsService = {
  targetPrefix: LOGS_TARGET_PREFIX,
  signingName: 'logs',
  operations: LOGS_OPERATIONS,
  protocol: LOGS_PROTOCOL,
}
