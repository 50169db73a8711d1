import { DeclaredAlarmError } from '../../monitor/alarms/evaluator.ts'
import { checkConstraints } from './alarm-input.ts'
import { pipelineOf } from './metrics.ts'
import { declaredAlarm } from './put-metric-alarm.ts'
import { defineCloudWatch } from './shared.ts'

/** CloudWatch: up to 100 alarms per DeleteAlarms, EnableAlarmActions or DisableAlarmActions. */
const MAX_NAMES = 100

const NAMES = { AlarmNames: { type: 'List', children: { type: 'String' } } } as const

const CONSTRAINTS = {
  AlarmNames: {
    type: 'List',
    children: { type: 'String' },
    notNull: true,
    lengthLessThanOrEqual: MAX_NAMES,
    childLengths: [1, 255],
  },
} as const

function namesOf(input: { AlarmNames?: (string | undefined)[] }): string[] {
  checkConstraints(input, CONSTRAINTS)
  return (input.AlarmNames ?? []).map((n) => n ?? '')
}

/**
 * DeleteAlarms: alarms created through PutMetricAlarm; names of no alarm are skipped (CloudWatch
 * deletes the alarms it can name and answers 200). An alarm the pipeline definition declares is
 * refused, and then none is deleted.
 */
export const deleteAlarms = defineCloudWatch({
  name: 'DeleteAlarms',
  spec: NAMES,
  handle(input, ctx) {
    const names = namesOf(input)
    try {
      pipelineOf(ctx).alarms().delete(names)
    } catch (error) {
      if (error instanceof DeclaredAlarmError) throw declaredAlarm(error.alarm)
      throw error
    }
    return undefined
  },
})

/** EnableAlarmActions: the alarms' state changes fire their actions again (unknown names skipped). */
export const enableAlarmActions = defineCloudWatch({
  name: 'EnableAlarmActions',
  spec: NAMES,
  handle(input, ctx) {
    pipelineOf(ctx).alarms().setActionsEnabled(namesOf(input), true)
    return undefined
  },
})

/** DisableAlarmActions: state changes are still evaluated and recorded, no action fires. */
export const disableAlarmActions = defineCloudWatch({
  name: 'DisableAlarmActions',
  spec: NAMES,
  handle(input, ctx) {
    pipelineOf(ctx).alarms().setActionsEnabled(namesOf(input), false)
    return undefined
  },
})
