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
