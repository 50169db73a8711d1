import type { StreamRuntime } from '../../../engine/runtime.ts'
import { SHARD_LEVEL_METRICS, type ShardLevelMetric } from '../../../stream/types.ts'
import type { Operation } from '../operation.ts'
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
} as const

function expand(requested: string[]): ShardLevelMetric[] {
  return requested.includes('ALL') ? [...SHARD_LEVEL_METRICS] : (requested as ShardLevelMetric[])
}

function change(enable: boolean): Operation['handle'] {
  return (input, ctx) => {
    const name = streamNameOf(ctx, input)
    const current = ctx.engine.stream(name).state.shardLevelMetrics
    const requested = expand(input.ShardLevelMetrics as string[])
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

export const enableEnhancedMonitoring: Operation = {
  name: 'EnableEnhancedMonitoring',
  spec,
  handle: change(true),
}
export const disableEnhancedMonitoring: Operation = {
  name: 'DisableEnhancedMonitoring',
  spec,
  handle: change(false),
}
