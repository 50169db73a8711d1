import { DeclaredAlarmError } from '../../monitor/alarms/evaluator.ts'
import { pipelineOf } from './metrics.ts'
import { declaredAlarm } from './put-metric-alarm.ts'
import { cwError, defineCloudWatch, required } from './shared.ts'

/** CloudWatch: up to 100 alarms per DeleteAlarms, EnableAlarmActions or DisableAlarmActions. */
const MAX_NAMES = 100

const NAMES = { AlarmNames: { type: 'List', children: { type: 'String' } } } as const

function namesOf(names: (string | undefined)[] | undefined): string[] {
  const list = required(names, 'AlarmNames')
  if (list.length > MAX_NAMES)
    throw cwError(
      'ValidationError',
      `1 validation error detected: Value '[${list.join(', ')}]' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAMES}`,
    )
  return list.map((n) => n ?? '')
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
    const names = namesOf(input.AlarmNames)
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
    pipelineOf(ctx).alarms().setActionsEnabled(namesOf(input.AlarmNames), true)
    return undefined
  },
})

/** DisableAlarmActions: state changes are still evaluated and recorded, no action fires. */
export const disableAlarmActions = defineCloudWatch({
  name: 'DisableAlarmActions',
  spec: NAMES,
  handle(input, ctx) {
    pipelineOf(ctx).alarms().setActionsEnabled(namesOf(input.AlarmNames), false)
    return undefined
  },
})
