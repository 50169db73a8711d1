import type { StreamEngine } from '../../../engine/engine.ts'
import { ServiceError } from '../../../stream/errors.ts'
import { defineOperation } from '../../operation.ts'
import type { FieldSpec } from '../../spec.ts'
import { RESOURCE_ARN, STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

const MAX_TAGS = 50
const TAG_MAP = {
  type: 'Map',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 200,
  childKeyLengths: [1, 128],
  childValueLengths: [0, 256],
  children: { type: 'String' },
} as const satisfies FieldSpec
const TAG_KEYS = {
  type: 'List',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 50,
  childLengths: [1, 128],
  children: { type: 'String' },
} as const satisfies FieldSpec

const INVALID_CHARS = /[^\u00C0-\u1FFF\u2C00-\uD7FF\w./\-=+_ @%]/

function checkCharacters(
  values: string[],
  action: 'add tags to' | 'remove tags from',
  name: string,
  account: string,
) {
  if (values.some((v) => INVALID_CHARS.test(v))) {
    throw new ServiceError(
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    )
  }
  if (values.some((v) => v.includes('%'))) {
    throw new ServiceError(
      'InvalidArgumentException',
      `Failed to ${action} stream ${name} under account ${account} because some tags contained illegal characters. ` +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    )
  }
}

function addTags(engine: StreamEngine, name: string, tags: Record<string, string>): void {
  const existing = engine.tags(name)
  checkCharacters([...Object.keys(tags), ...Object.values(tags)], 'add tags to', name, engine.account)
  const keys = new Set([...existing.keys(), ...Object.keys(tags)])
  if (keys.size > MAX_TAGS) {
    throw new ServiceError(
      'InvalidArgumentException',
      `Failed to add tags to stream ${name} under account ${engine.account} because a given stream cannot have more than ${MAX_TAGS} tags associated with it.`,
    )
  }
  engine.putTags(name, tags)
}

function removeTags(engine: StreamEngine, name: string, keys: string[]): void {
  engine.stream(name)
  checkCharacters(keys, 'remove tags from', name, engine.account)
  engine.removeTags(name, keys)
}

function listTags(engine: StreamEngine, name: string, after: string | undefined, limit: number) {
  const keys = [...engine.tags(name).entries()].filter(([k]) => after === undefined || k > after)
  return { tags: keys.slice(0, limit).map(([Key, Value]) => ({ Key, Value })), more: keys.length > limit }
}

export const addTagsToStream = defineOperation({
  name: 'AddTagsToStream',
  spec: { Tags: TAG_MAP, StreamName: STREAM_NAME_OR_ARN, StreamARN: STREAM_ARN },
  handle(input, ctx) {
    addTags(ctx.engine, streamNameOf(ctx, input), input.Tags)
    return undefined
  },
})

export const removeTagsFromStream = defineOperation({
  name: 'RemoveTagsFromStream',
  spec: { TagKeys: TAG_KEYS, StreamName: STREAM_NAME_OR_ARN, StreamARN: STREAM_ARN },
  handle(input, ctx) {
    removeTags(ctx.engine, streamNameOf(ctx, input), input.TagKeys)
    return undefined
  },
})

export const listTagsForStream = defineOperation({
  name: 'ListTagsForStream',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 50 },
    ExclusiveStartTagKey: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 128 },
    StreamName: STREAM_NAME_OR_ARN,
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    const { tags, more } = listTags(
      ctx.engine,
      streamNameOf(ctx, input),
      input.ExclusiveStartTagKey,
      input.Limit ?? 50,
    )
    return { Tags: tags, HasMoreTags: more }
  },
})

/** ResourceARN of a stream (consumer ARNs name their stream first). */
function streamOfResource(engine: StreamEngine, arn: string): string {
  const stream = arn.replace(/\/consumer\/.*$/, '')
  return engine.resolveName(undefined, stream)
}

export const tagResource = defineOperation({
  name: 'TagResource',
  spec: { Tags: TAG_MAP, ResourceARN: RESOURCE_ARN },
  handle(input, { engine }) {
    addTags(engine, streamOfResource(engine, input.ResourceARN), input.Tags)
    return undefined
  },
})

export const untagResource = defineOperation({
  name: 'UntagResource',
  spec: { TagKeys: TAG_KEYS, ResourceARN: RESOURCE_ARN },
  handle(input, { engine }) {
    removeTags(engine, streamOfResource(engine, input.ResourceARN), input.TagKeys)
    return undefined
  },
})

export const listTagsForResource = defineOperation({
  name: 'ListTagsForResource',
  spec: { ResourceARN: RESOURCE_ARN },
  handle(input, { engine }) {
    const { tags } = listTags(engine, streamOfResource(engine, input.ResourceARN), undefined, MAX_TAGS)
    return { Tags: tags }
  },
})
