import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { PipelineServices } from '../../../src/api/pipeline-services.ts'
import { TributaryServer } from '../../../src/api/server.ts'
import { startPipeline } from '../../../src/testing/index.ts'

describe('the S3 API under --auth', () => {
  it('verifies SigV4 scoped to s3 (the path encoded once) and answers S3 auth errors', async () => {
    const p = await startPipeline({ name: 's3-auth', buckets: { lake: {} } }, { teardown: onTestFinished })
    const pipeline = { buckets: () => p.runtime.buckets } as unknown as PipelineServices
    const server = await TributaryServer.start({
      engine: p.runtime.engine,
      port: 0,
      pipeline,
      auth: { keys: new Map([['AKIDEXAMPLE', 'secret']]) },
    })
    onTestFinished(() => server.close())
    const s3 = (secretAccessKey: string) => {
      const c = new S3Client({
        endpoint: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey },
      })
      onTestFinished(() => c.destroy())
      return c
    }
    const good = s3('secret')
    // Keys that differ when encoded once and twice: spaces, plus, unicode, reserved characters.
    for (const Key of ['plain.txt', 'a b/c+d=e&f.txt', 'ünï/cödé (1).json', "x/it's~*.txt"]) {
      await good.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: Key }))
      const got = await good.send(new GetObjectCommand({ Bucket: 'lake', Key }))
      expect(await got.Body!.transformToString()).toBe(Key)
    }
    const listed = await good.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'a b/' }))
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a b/c+d=e&f.txt'])

    const wrong = await s3('other')
      .send(new GetObjectCommand({ Bucket: 'lake', Key: 'plain.txt' }))
      .catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e)
    expect(wrong).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } })
    const anonymous = await fetch(`${server.url}/lake/plain.txt`)
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>')
  })
})
