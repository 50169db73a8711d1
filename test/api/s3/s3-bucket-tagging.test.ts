import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketTaggingCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { failure } from '../../helpers/aws-error.ts'

async function served(dataDir?: string) {
  const p = await startPipeline({ name: 's3-tagging', buckets: { lake: {} } }, { serve: true, dataDir })
  const s3 = new S3Client({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    forcePathStyle: true,
  })
  onTestFinished(() => s3.destroy())
  return { p, s3 }
}

describe('S3 bucket tagging', () => {
  it('puts, gets and deletes a tag set (NoSuchTagSet without one); kept across a restart, gone with the bucket', async () => {
    const first = await served()
    const { s3 } = first
    expect(await failure(s3.send(new GetBucketTaggingCommand({ Bucket: 'lake' })))).toEqual({
      name: 'NoSuchTagSet',
      message: 'The TagSet does not exist',
      status: 404,
    })
    const TagSet = [
      { Key: 'team', Value: 'data' },
      { Key: 'cost-center', Value: '' },
    ]
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'lake', Tagging: { TagSet } }))
    await s3.send(new CreateBucketCommand({ Bucket: 'made-by-api' }))
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'made-by-api', Tagging: { TagSet: [TagSet[0]!] } }))
    // A put replaces the whole set.
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'made-by-api',
        Tagging: { TagSet: [{ Key: 'env', Value: 'dev' }] },
      }),
    )
    await first.p.close()

    const { p, s3: again } = await served(first.p.dataDir)
    onTestFinished(() => p.dispose())
    const tags = async (Bucket: string) => (await again.send(new GetBucketTaggingCommand({ Bucket }))).TagSet
    expect(await tags('lake')).toEqual([
      { Key: 'cost-center', Value: '' },
      { Key: 'team', Value: 'data' },
    ])
    expect(await tags('made-by-api')).toEqual([{ Key: 'env', Value: 'dev' }])
    await again.send(new DeleteBucketTaggingCommand({ Bucket: 'lake' }))
    expect(await failure(tags('lake'))).toMatchObject({ name: 'NoSuchTagSet' })
    await again.send(new DeleteBucketCommand({ Bucket: 'made-by-api' }))
    await again.send(new CreateBucketCommand({ Bucket: 'made-by-api' }))
    expect(await failure(tags('made-by-api'))).toMatchObject({ name: 'NoSuchTagSet' })
    expect(await failure(tags('nowhere'))).toMatchObject({ name: 'NoSuchBucket', status: 404 })
  })

  it('refuses what S3 refuses (InvalidTag), keeping the tag set it had', async () => {
    const { p, s3 } = await served()
    onTestFinished(() => p.dispose())
    const put = (TagSet: { Key: string; Value: string }[]) =>
      failure(s3.send(new PutBucketTaggingCommand({ Bucket: 'lake', Tagging: { TagSet } })))
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: 'lake', Tagging: { TagSet: [{ Key: 'keep', Value: 'me' }] } }),
    )
    expect(
      await put([
        { Key: 'a', Value: '1' },
        { Key: 'a', Value: '2' },
      ]),
    ).toEqual({ name: 'InvalidTag', message: 'Cannot provide multiple Tags with the same key', status: 400 })
    expect(await put([{ Key: 'aws:created', Value: 'x' }])).toMatchObject({ name: 'InvalidTag' })
    expect(await put([{ Key: 'k'.repeat(129), Value: 'x' }])).toMatchObject({ name: 'InvalidTag' })
    expect(await put([{ Key: 'k', Value: 'v'.repeat(257) }])).toMatchObject({ name: 'InvalidTag' })
    expect(await put(Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })))).toMatchObject({
      name: 'InvalidTag',
    })
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'lake' }))).TagSet).toEqual([
      { Key: 'keep', Value: 'me' },
    ])
  })
})
