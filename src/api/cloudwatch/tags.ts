/**
 * TagResource, UntagResource and ListTagsForResource on alarms (PutMetricAlarm's `Tags` when it
 * creates one), kept by the alarm evaluator in the state store. Checked as the service model
 * states: an ARN of 1–1024 characters, keys of 1–128, values of up to 256; at most 50 tags.
 */
import { UnknownAlarmError } from '../../monitor/alarms/evaluator.ts'
import { checkConstraints, TAG } from './alarm-input.ts'
import { pipelineOf } from './metrics.ts'
import { cwError, defineCloudWatch, invalidValue } from './shared.ts'

const MAX_TAGS = 50
const ARN = {
  type: 'String',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 1024,
} as const

/** The alarm an ARN names (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
function alarmOf(arn: string): string {
  const match = /^arn:aws[\w-]*:cloudwatch:[^:]*:\d{12}:alarm:(.{1,255})$/.exec(arn)
  if (!match) throw invalidValue(`Invalid value for parameter ResourceARN: ${arn}`)
  return match[1]!
}

function known<T>(arn: string, f: () => T): T {
  try {
    return f()
  } catch (error) {
    if (error instanceof UnknownAlarmError)
      throw cwError('ResourceNotFoundException', `The specified resource does not exist: ${arn}`)
    throw error
  }
}

export const tagResource = defineCloudWatch({
  name: 'TagResource',
  spec: { ResourceARN: { type: 'String' }, Tags: { type: 'List', children: TAG } },
  handle(input, ctx) {
    checkConstraints(input, {
      ResourceARN: ARN,
      Tags: {
        type: 'List',
        notNull: true,
        children: {
          type: 'Structure',
          children: {
            Key: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 128 },
            Value: { type: 'String', notNull: true, lengthLessThanOrEqual: 256 },
          },
        },
      },
    })
    const arn = input.ResourceARN!
    const alarms = pipelineOf(ctx).alarms()
    const name = alarmOf(arn)
    const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t!.Key!, t!.Value!]))
    known(arn, () => {
      if (Object.keys({ ...alarms.tags(name), ...tags }).length > MAX_TAGS)
        throw cwError('LimitExceededException', `A resource can have at most ${MAX_TAGS} tags.`)
      alarms.tag(name, tags)
    })
    return {}
  },
})

export const untagResource = defineCloudWatch({
  name: 'UntagResource',
  spec: { ResourceARN: { type: 'String' }, TagKeys: { type: 'List', children: { type: 'String' } } },
  handle(input, ctx) {
    checkConstraints(input, {
      ResourceARN: ARN,
      TagKeys: { type: 'List', notNull: true, children: { type: 'String' } },
    })
    const arn = input.ResourceARN!
    const name = alarmOf(arn)
    known(arn, () =>
      pipelineOf(ctx)
        .alarms()
        .untag(
          name,
          (input.TagKeys ?? []).map((k) => k ?? ''),
        ),
    )
    return {}
  },
})

export const listTagsForResource = defineCloudWatch({
  name: 'ListTagsForResource',
  spec: { ResourceARN: { type: 'String' } },
  handle(input, ctx) {
    checkConstraints(input, { ResourceARN: ARN })
    const arn = input.ResourceARN!
    const name = alarmOf(arn)
    const tags = known(arn, () => pipelineOf(ctx).alarms().tags(name))
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }
  },
})
