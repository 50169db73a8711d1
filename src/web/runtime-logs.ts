import { filterPattern, functionLogGroup, type LogEvent, type LogStore } from '../monitor/logs/log-store.ts'
import type { DashboardLogs, LogLine } from './source.ts'

const GROUP_PREFIX = functionLogGroup('')

function line(e: LogEvent): LogLine {
  return { id: Number(e.eventId), timestamp: e.timestamp, stream: e.logStreamName, message: e.message }
}

/**
 * The Logs panel's view of the functions' log groups in the runtime's LogStore: the declared
 * functions and any other group kept (a function since removed), read with FilterLogEvents'
 * filter patterns.
 */
export function runtimeLogs(logs: LogStore, declared: () => string[]): DashboardLogs {
  return {
    functions: () => {
      const names = new Set(declared())
      for (const g of logs.groupNames(GROUP_PREFIX)) names.add(g.slice(GROUP_PREFIX.length))
      return [...names].sort()
    },
    has: (fn) => declared().includes(fn) || logs.hasGroup(functionLogGroup(fn)),
    recent: (fn, { limit, filter }) => {
      const position = logs.position()
      const { events } = logs.events(functionLogGroup(fn), {
        before: position + 1,
        newestFirst: true,
        limit,
        matches: filterPattern(filter),
      })
      return { lines: events.reverse().map(line), position }
    },
    after: (fn, after, { limit, filter }) => {
      const read = logs.events(functionLogGroup(fn), { after, limit, matches: filterPattern(filter) })
      return { lines: read.events.map(line), position: read.last ?? after, more: read.more }
    },
    watch: (listener) => logs.onFlush(listener),
  }
}
