export {
  type AsyncInvokeConfig,
  type AsyncInvokeOptions,
  type AsyncInvokeResult,
  DEFAULT_ASYNC_INVOKE_CONFIG,
  invokeAsync,
} from './async-invoke.ts'
export type { CronSchedule } from './cron.ts'
export { ScheduleConfigError, ScheduleExpressionError } from './errors.ts'
export { nextFire, parseSchedule, type RateSchedule, type Schedule } from './expression.ts'
export {
  type ScheduledEvent,
  Scheduler,
  type SchedulerOptions,
  type ScheduleSpec,
  type ScheduleStatus,
  scheduledEvent,
} from './scheduler.ts'
