/**
 * GetBucketTagging, PutBucketTagging and DeleteBucketTagging (`?tagging` on a bucket): the
 * bucket's tag set, kept by the bucket registry in the state store, with S3's checks (InvalidTag)
 * and its answer for a bucket without tags (404 NoSuchTagSet).
 */
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import { checkBucket } from './object-reads.ts'
import { readPayload } from './payload.ts'
import { S3Error, xmlDocument } from './xml.ts'
import { childrenNamed, childText, malformedXml, parseXml } from './xml-parse.ts'

/** S3's quotas on a bucket's tags. */
const LIMITS = { tags: 50, keyLength: 128, valueLength: 256 } as const

const invalidTag = (message: string) => new S3Error('InvalidTag', message)

export async function getBucketTagging(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  const tags = ctx.buckets().tags(call.bucket!)
  if (!tags) throw new S3Error('NoSuchTagSet', 'The TagSet does not exist', { BucketName: call.bucket! })
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: xmlDocument('Tagging', {
      TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
    }),
  }
}

export async function putBucketTagging(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  const { bytes } = readPayload(call.headers, call.body)
  const root = parseXml(bytes.toString('utf8'))
  if (root.name !== 'Tagging') throw malformedXml()
  const sets = childrenNamed(root, 'TagSet')
  if (sets.length !== 1) throw malformedXml()
  const tags: Record<string, string> = {}
  for (const tag of childrenNamed(sets[0]!, 'Tag')) {
    const key = childText(tag, 'Key')
    const value = childText(tag, 'Value')
    if (key === undefined || value === undefined) throw malformedXml()
    if (key.length === 0 || key.length > LIMITS.keyLength)
      throw invalidTag(`The TagKey you have provided is invalid`)
    if (value.length > LIMITS.valueLength) throw invalidTag('The TagValue you have provided is invalid')
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidTag('System tags cannot be added/updated by requester')
    if (key in tags) throw invalidTag('Cannot provide multiple Tags with the same key')
    tags[key] = value
  }
  if (Object.keys(tags).length > LIMITS.tags)
    throw invalidTag(`Bucket tag count cannot be greater than ${LIMITS.tags}`)
  ctx.buckets().setTags(call.bucket!, tags)
  return { status: 204, headers: {}, body: Buffer.alloc(0) }
}

export async function deleteBucketTagging(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  ctx.buckets().setTags(call.bucket!, {})
  return { status: 204, headers: {}, body: Buffer.alloc(0) }
}
