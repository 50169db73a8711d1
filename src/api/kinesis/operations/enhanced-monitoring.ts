import type { StreamRuntime } from '../../../engine/stream-state.ts'
import { SHARD_LEVEL_METRICS, type ShardLevelMetric } from '../../../stream/types.ts'
import { defineOperation, type Handler } from '../../operation.ts'
import type { InputOf, OperationSpec } from '../../spec.ts'
import { STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

export function enhancedMonitoring(stream: StreamRuntime) {
  return [{ ShardLevelMetrics: stream.state.shardLevelMetrics }]
}

const spec = {
  StreamName: STREAM_NAME_OR_ARN,
  ShardLevelMetrics: {
    type: 'List',
    notNull: true,
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: 7,
    children: { type: 'String', enum: [...SHARD_LEVEL_METRICS, 'ALL'] },
  },
  StreamARN: STREAM_ARN,
} as const satisfies OperationSpec

function expand(requested: (ShardLevelMetric | 'ALL')[]): ShardLevelMetric[] {
  if (requested.includes('ALL')) return [...SHARD_LEVEL_METRICS]
  return requested.filter((m): m is ShardLevelMetric => m !== 'ALL')
}

function change(enable: boolean): Handler<InputOf<typeof spec>> {
  return (input, ctx) => {
    const name = streamNameOf(ctx, input)
    const current = ctx.engine.stream(name).state.shardLevelMetrics
    const requested = expand(input.ShardLevelMetrics)
    const desired = enable
      ? SHARD_LEVEL_METRICS.filter((m) => current.includes(m) || requested.includes(m))
      : current.filter((m) => !requested.includes(m))
    ctx.engine.updateSettings(name, { shardLevelMetrics: desired })
    return {
      StreamName: name,
      StreamARN: ctx.engine.arn(name),
      CurrentShardLevelMetrics: current,
      DesiredShardLevelMetrics: desired,
    }
  }
}

export const enableEnhancedMonitoring = defineOperation({
  name: 'EnableEnhancedMonitoring',
  spec,
  handle: change(true),
})
export const disableEnhancedMonitoring = defineOperation({
  name: 'DisableEnhancedMonitoring',
  spec,
  handle: change(false),
})
