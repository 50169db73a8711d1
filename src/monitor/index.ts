export {
  ALARM_HISTORY_RETENTION_MS,
  type AlarmHistoryItem,
  type AlarmStatus,
  AlarmStore,
  alarmHistory,
  listAlarms,
} from './alarms/alarm-store.ts'
export * from './alarms/config.ts'
export * from './alarms/evaluate.ts'
export * from './alarms/evaluator.ts'
export * from './alarms/math.ts'
export * from './alarms/message.ts'
export * from './emf.ts'
export * from './metric-store.ts'
export * from './metrics.ts'
export * from './prometheus.ts'
export * from './statistics.ts'
