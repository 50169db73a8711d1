import {
  GetBucketVersioningCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'

async function start() {
  const p = await startPipeline(
    { name: 's3-versions', buckets: { lake: {} } },
    { serve: true, teardown: onTestFinished },
  )
  const s3 = new S3Client({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    forcePathStyle: true,
  })
  onTestFinished(() => s3.destroy())
  return { p, s3 }
}

describe('versions of an unversioned bucket', () => {
  it('GetBucketVersioning has no status; ListObjectVersions lists each object once as version null, paged by key marker', async () => {
    const { p, s3 } = await start()
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'lake' }))).Status).toBeUndefined()
    const keys = ['a/1.json', 'a/2.json', 'b.json', 'c d.json']
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: Key }))

    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: 'lake' }))
    expect(all.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual(
      keys.map((k) => [k, 'null', true, k.length]),
    )
    expect(all.IsTruncated).toBe(false)
    expect(all.DeleteMarkers).toBeUndefined()

    const folded = await s3.send(new ListObjectVersionsCommand({ Bucket: 'lake', Delimiter: '/' }))
    expect(folded.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['a/'])
    expect(folded.Versions?.map((v) => v.Key)).toEqual(['b.json', 'c d.json'])

    const pages: string[][] = []
    let KeyMarker: string | undefined
    let VersionIdMarker: string | undefined
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({ Bucket: 'lake', MaxKeys: 3, KeyMarker, VersionIdMarker }),
      )
      pages.push(page.Versions?.map((v) => v.Key!) ?? [])
      if (!page.IsTruncated) break
      expect(page.NextVersionIdMarker).toBe('null')
      KeyMarker = page.NextKeyMarker
      VersionIdMarker = page.NextVersionIdMarker
    }
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3)])

    // The version null is the object; any other version id is S3's InvalidArgument.
    expect(await (await fetch(`${p.endpoint}/lake/b.json?versionId=null`)).text()).toBe('b.json')
    const other = await fetch(`${p.endpoint}/lake/b.json?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`)
    expect(other.status).toBe(400)
    expect(await other.text()).toContain('<Message>Invalid version id specified</Message>')

    const missing = await fetch(`${p.endpoint}/nowhere?versions`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('<Code>NoSuchBucket</Code>')
    const badMarker = await fetch(`${p.endpoint}/lake?versions&key-marker=a&version-id-marker=v2`)
    expect(badMarker.status).toBe(400)
    expect(await badMarker.text()).toContain('<Code>InvalidArgument</Code>')
  })
})
