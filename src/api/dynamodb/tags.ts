/**
 * TagResource, UntagResource and ListTagsOfResource on tables (and CreateTable's `Tags`), kept by
 * the table registry in the state store. The checks and their order are DynamoDB's, as recorded
 * from AWS (dynalite's test suite): a ResourceArn that is no ARN at all is refused by IAM before
 * DynamoDB looks at it, one that is not a table's is `Invalid TableArn`.
 */
import { AwsError, validationError } from '../errors.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { namedTableOf, wire } from './common.ts'

/** DynamoDB's quotas on tags: 50 a table, keys of 1–128 characters, values of up to 256. */
const TAG_LIMITS = { tags: 50, keyLength: 128, valueLength: 256 } as const

export const TAGS = {
  type: 'List',
  children: {
    type: 'Structure',
    shape: 'Tag',
    children: { Key: { type: 'String' }, Value: { type: 'String' } },
  },
} as const

type Action = 'TagResource' | 'UntagResource' | 'ListTagsOfResource'

/** The table a ResourceArn names, checked as DynamoDB does (`notFound` is the action's wording). */
function taggedTable(
  ctx: OperationContext,
  action: Action,
  arn: string | undefined,
  ready: () => void,
): string {
  if (arn === undefined) throw validationError('Invalid TableArn')
  const parts = arn.split(':')
  if (parts.length < 6 || !parts.slice(5).join(':').includes('/'))
    throw new AwsError(
      'AccessDeniedException',
      `User: arn:aws:iam::${ctx.engine.account}:root is not authorized to perform: dynamodb:${action} on resource: ${arn === '' ? '*' : arn}`,
    )
  ready()
  const match = /^arn:aws[\w-]*:dynamodb:[^:]+:\d{12}:table\/([a-zA-Z0-9_.-]{3,255})$/.exec(arn)
  if (!match) throw validationError(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`)
  return match[1]!
}

function table(ctx: OperationContext, name: string, message: string): string {
  try {
    namedTableOf(ctx, name)
  } catch {
    throw new AwsError('ResourceNotFoundException', message)
  }
  return name
}

/** DynamoDB's checks on the tags a table is given (TagResource, CreateTable). */
export function checkTags(
  tags: readonly { Key?: string; Value?: string }[],
  existing: Record<string, string>,
) {
  const out: Record<string, string> = {}
  for (const { Key: key, Value: value } of tags) {
    if (key === undefined || key.length < 1 || key.length > TAG_LIMITS.keyLength)
      throw validationError(`Tag key must be between 1 and ${TAG_LIMITS.keyLength} characters long`)
    if (value === undefined || value.length > TAG_LIMITS.valueLength)
      throw validationError(`Tag value must be at most ${TAG_LIMITS.valueLength} characters long`)
    if (key.toLowerCase().startsWith('aws:'))
      throw validationError('Tag key cannot start with the reserved prefix aws:')
    out[key] = value
  }
  if (Object.keys({ ...existing, ...out }).length > TAG_LIMITS.tags)
    throw new AwsError('LimitExceededException', `The table cannot have more than ${TAG_LIMITS.tags} tags`)
  return out
}

export const tagResource = defineOperation({
  name: 'TagResource',
  spec: { ResourceArn: { type: 'String' }, Tags: TAGS },
  handle(input, ctx) {
    const name = taggedTable(ctx, 'TagResource', input.ResourceArn, () => {
      if (input.Tags === undefined)
        throw validationError(
          "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        )
    })
    if (input.Tags!.length === 0) throw validationError('Atleast one Tag needs to be provided as Input.')
    table(ctx, name, `Requested resource not found: ResourcArn: ${input.ResourceArn} not found`)
    const registry = ctx.pipeline!.tableRegistry()
    const tags = checkTags(input.Tags!, registry.tags(name))
    wire(() => registry.tag(name, tags))
    return {}
  },
})

export const untagResource = defineOperation({
  name: 'UntagResource',
  spec: { ResourceArn: { type: 'String' }, TagKeys: { type: 'List', children: { type: 'String' } } },
  handle(input, ctx) {
    const name = taggedTable(ctx, 'UntagResource', input.ResourceArn, () => {
      if (input.TagKeys === undefined)
        throw validationError(
          "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        )
    })
    if (input.TagKeys!.length === 0)
      throw validationError('Atleast one Tag Key needs to be provided as Input.')
    table(ctx, name, 'Requested resource not found')
    wire(() => ctx.pipeline!.tableRegistry().untag(name, input.TagKeys!))
    return {}
  },
})

export const listTagsOfResource = defineOperation({
  name: 'ListTagsOfResource',
  spec: { ResourceArn: { type: 'String' }, NextToken: { type: 'String' } },
  handle(input, ctx) {
    const name = taggedTable(ctx, 'ListTagsOfResource', input.ResourceArn, () => {})
    table(ctx, name, `Requested resource not found: ResourcArn: ${input.ResourceArn} not found`)
    const tags = ctx.pipeline!.tableRegistry().tags(name)
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }
  },
})
