import { z } from 'zod'
import { configIssue } from '../../kind/config-issue.ts'
import { resourceName } from '../../kind/name.ts'
import { parseSchedule } from './expression.ts'

/**
 * An EventBridge schedule invoking a function asynchronously, with the scheduled-event document
 * or a constant input.
 *
 * @example
 * schedules: { generate: { schedule: 'rate(1 minute)', function: 'generator' } }
 */
export const scheduleSchema = z
  .object({
    /** EventBridge `rate(...)` or `cron(...)` expression (UTC). */
    schedule: z.string().superRefine((expression, ctx) => {
      try {
        parseSchedule(expression)
      } catch (error) {
        configIssue(ctx, (error as Error).message)
      }
    }),
    /** The function invoked (asynchronously, with retries). */
    function: resourceName,
    /** Constant input instead of the scheduled-event document. */
    input: z.unknown().optional(),
    /** `false`: the schedule is declared but does not fire. */
    enabled: z.boolean().default(true),
  })
  .strict()

export type ScheduleDefinition = z.output<typeof scheduleSchema>
