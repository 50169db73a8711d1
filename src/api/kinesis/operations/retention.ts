import { ServiceError } from '../../../stream/errors.ts'
import { defineOperation, type Handler } from '../../operation.ts'
import type { InputOf, OperationSpec } from '../../spec.ts'
import { STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

export const MIN_RETENTION_HOURS = 24
export const MAX_RETENTION_HOURS = 8760

const spec = {
  StreamName: STREAM_NAME_OR_ARN,
  RetentionPeriodHours: { type: 'Integer', notNull: true },
  StreamARN: STREAM_ARN,
} as const satisfies OperationSpec

function change(direction: 'increase' | 'decrease'): Handler<InputOf<typeof spec>> {
  return (input, ctx) => {
    const name = streamNameOf(ctx, input)
    const stream = ctx.engine.stream(name)
    const hours = input.RetentionPeriodHours
    const invalid = (m: string) => new ServiceError('InvalidArgumentException', m)
    if (hours < MIN_RETENTION_HOURS) {
      throw invalid(
        `Minimum allowed retention period is ${MIN_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`,
      )
    }
    if (hours > MAX_RETENTION_HOURS) {
      throw invalid(
        `Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`,
      )
    }
    const current = stream.state.retentionHours
    if (direction === 'increase' && current > hours) {
      throw invalid(
        `Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${current} hours). Use DecreaseRetentionPeriod API.`,
      )
    }
    if (direction === 'decrease' && current < hours) {
      throw invalid(
        `Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${current} hours). Use IncreaseRetentionPeriod API.`,
      )
    }
    if (stream.state.status !== 'ACTIVE') {
      throw new ServiceError(
        'ResourceInUseException',
        `Stream ${name} under account ${ctx.engine.account} not ACTIVE, instead in state ${stream.state.status}`,
      )
    }
    // Raising retention never brings back trimmed data: segments already deleted stay deleted.
    ctx.engine.updateSettings(name, { retentionHours: hours })
    return undefined
  }
}

export const increaseStreamRetentionPeriod = defineOperation({
  name: 'IncreaseStreamRetentionPeriod',
  spec,
  handle: change('increase'),
})

export const decreaseStreamRetentionPeriod = defineOperation({
  name: 'DecreaseStreamRetentionPeriod',
  spec,
  handle: change('decrease'),
})
