import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const definition = { name: 's3-checksums', buckets: { lake: {} } }
const MiB = 1024 * 1024

async function start(dataDir?: string): Promise<{ p: TestPipeline; s3: S3Client }> {
  const p = await startPipeline(definition, {
    serve: true,
    teardown: onTestFinished,
    ...(dataDir ? { dataDir } : {}),
  })
  const s3 = new S3Client({ endpoint: p.endpoint!, region: 'us-east-1', credentials, forcePathStyle: true })
  onTestFinished(() => s3.destroy())
  return { p, s3 }
}

const crc32Of = (bytes: Buffer | string) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(crc32(bytes))
  return b.toString('base64')
}
const sha256Of = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('base64')
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest()

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } },
  )
  if (!error) throw new Error('expected a failure')
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode }
}

describe('stored checksums with @aws-sdk/client-s3', () => {
  it("keeps the SDK's default CRC32 with the object and returns it when asked; the SDK validates the body", async () => {
    const first = await start()
    const put = await first.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a.txt', Body: 'hello' }))
    expect(put.ChecksumCRC32).toBe(crc32Of('hello'))
    await first.s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'b.txt', Body: 'world', ChecksumAlgorithm: 'SHA256' }),
    )
    const dataDir = first.p.runtime.engine.dataDir
    await first.p.close()

    // Durable with the object: after a restart.
    const { p, s3 } = await start(dataDir)
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'a.txt' }))
    expect(got.ChecksumCRC32).toBe(crc32Of('hello'))
    expect(got.ChecksumType).toBe('FULL_OBJECT')
    expect(await got.Body!.transformToString()).toBe('hello')
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'lake', Key: 'b.txt', ChecksumMode: 'ENABLED' }),
    )
    expect(head.ChecksumSHA256).toBe(sha256Of('world'))
    const sha = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'b.txt', ChecksumMode: 'ENABLED' }))
    expect(await sha.Body!.transformToString()).toBe('world')
    // A copy keeps the checksum of the same bytes.
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: 'lake', Key: 'c.txt', CopySource: 'lake/b.txt' }),
    )
    expect(copied.CopyObjectResult?.ChecksumSHA256).toBe(sha256Of('world'))
    const copy = await s3.send(
      new HeadObjectCommand({ Bucket: 'lake', Key: 'c.txt', ChecksumMode: 'ENABLED' }),
    )
    expect(copy.ChecksumSHA256).toBe(sha256Of('world'))

    // Without x-amz-checksum-mode, none; nor on a range.
    const plain = await fetch(`${p.endpoint}/lake/a.txt`)
    expect(plain.headers.get('x-amz-checksum-crc32')).toBeNull()
    const ranged = await fetch(`${p.endpoint}/lake/a.txt`, {
      headers: { 'x-amz-checksum-mode': 'ENABLED', range: 'bytes=0-1' },
    })
    expect(ranged.status).toBe(206)
    expect(ranged.headers.get('x-amz-checksum-crc32')).toBeNull()
    const asked = await fetch(`${p.endpoint}/lake/a.txt`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } })
    expect(asked.headers.get('x-amz-checksum-crc32')).toBe(crc32Of('hello'))
  })

  it("fails the SDK's validation when the stored checksum does not match the bytes", async () => {
    const { p, s3 } = await start()
    await p.runtime.buckets.putObject('lake', 'bad.txt', 'abc', { checksums: { crc32: crc32Of('abd') } })
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'bad.txt' }))
    const error = await failure(got.Body!.transformToString())
    expect(error.message).toMatch(/Checksum mismatch/)
  })
})

describe('multipart uploads as S3 has them', () => {
  it("gives the object S3's multipart ETag and a composite checksum", async () => {
    const { s3 } = await start()
    const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.from('tail')]
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'big' }))
    const etags = []
    for (const [i, Body] of parts.entries()) {
      const { ETag, ChecksumCRC32 } = await s3.send(
        new UploadPartCommand({ Bucket: 'lake', Key: 'big', UploadId, PartNumber: i + 1, Body }),
      )
      expect(ChecksumCRC32).toBe(crc32Of(Body))
      etags.push(ETag)
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key: 'big',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    )
    const expected = `"${createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex')}-2"`
    expect(done.ETag).toBe(expected)
    const partCrcs = Buffer.concat(parts.map((b) => Buffer.from(crc32Of(b), 'base64')))
    expect(done.ChecksumCRC32).toBe(`${crc32Of(partCrcs)}-2`)
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'big', ChecksumMode: 'ENABLED' }))
    expect(head.ETag).toBe(expected)
    expect(head.ChecksumCRC32).toBe(done.ChecksumCRC32)
    // The SDK leaves a composite checksum unvalidated, and the bytes are the parts'.
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'big' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true)
  })

  it('pages ListParts (MaxParts, PartNumberMarker) and ListMultipartUploads (MaxUploads, KeyMarker, UploadIdMarker)', async () => {
    const { s3 } = await start()
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'k' }))
    for (const PartNumber of [1, 2, 3])
      await s3.send(
        new UploadPartCommand({ Bucket: 'lake', Key: 'k', UploadId, PartNumber, Body: `p${PartNumber}` }),
      )
    const page1 = await s3.send(new ListPartsCommand({ Bucket: 'lake', Key: 'k', UploadId, MaxParts: 2 }))
    expect(page1.Parts?.map((p) => p.PartNumber)).toEqual([1, 2])
    expect(page1).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 })
    const page2 = await s3.send(
      new ListPartsCommand({
        Bucket: 'lake',
        Key: 'k',
        UploadId,
        PartNumberMarker: page1.NextPartNumberMarker,
      }),
    )
    expect(page2.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 2]])
    expect(page2.IsTruncated).toBe(false)

    const ids = [UploadId!]
    for (const Key of ['a', 'k', 'z'])
      ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key }))).UploadId!)
    const all = (await s3.send(new ListMultipartUploadsCommand({ Bucket: 'lake' }))).Uploads!
    expect(all.map((u) => u.Key)).toEqual(['a', 'k', 'k', 'z'])
    const seen: string[] = []
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {}
    for (;;) {
      const page = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: 'lake', MaxUploads: 3, ...markers }),
      )
      seen.push(...page.Uploads!.map((u) => u.UploadId!))
      if (!page.IsTruncated) break
      expect(page.Uploads).toHaveLength(3)
      markers = { KeyMarker: page.NextKeyMarker!, UploadIdMarker: page.NextUploadIdMarker! }
      expect(markers.KeyMarker).toBe('k')
    }
    expect(seen).toEqual(all.map((u) => u.UploadId))
    expect(new Set(seen)).toEqual(new Set(ids))

    // With a delimiter, the uploads beneath a prefix are one CommonPrefixes entry of a page.
    for (const Key of ['dir/1', 'dir/2/x'])
      await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key }))
    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'lake', Delimiter: '/' }))
    expect(rolled.Uploads?.map((u) => u.Key)).toEqual(['a', 'k', 'k', 'z'])
    expect(rolled.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['dir/'])
    const first = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: 'lake', Delimiter: '/', MaxUploads: 2 }),
    )
    expect([first.Uploads?.map((u) => u.Key), first.CommonPrefixes?.map((c) => c.Prefix)]).toEqual([
      ['a'],
      ['dir/'],
    ])
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'dir/' })
    const rest = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: 'lake', Delimiter: '/', KeyMarker: first.NextKeyMarker }),
    )
    expect(rest.Uploads?.map((u) => u.Key)).toEqual(['k', 'k', 'z'])
    expect(rest.CommonPrefixes ?? []).toEqual([])
  })

  it('copies parts from an object (UploadPartCopy with x-amz-copy-source-range)', async () => {
    const { s3 } = await start()
    const source = Buffer.alloc(6 * MiB)
    for (let i = 0; i < source.length; i++) source[i] = i % 251
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'src', Body: source }))
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'dst' }))
    const first = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'lake',
        Key: 'dst',
        UploadId,
        PartNumber: 1,
        CopySource: 'lake/src',
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    )
    expect(first.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(0, 5 * MiB)).toString('hex')}"`)
    const second = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'lake',
        Key: 'dst',
        UploadId,
        PartNumber: 2,
        CopySource: 'lake/src',
        CopySourceRange: `bytes=${5 * MiB}-${source.length - 1}`,
      }),
    )
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key: 'dst',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult!.ETag! },
            { PartNumber: 2, ETag: second.CopyPartResult!.ETag! },
          ],
        },
      }),
    )
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'dst' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(source)).toBe(true)

    const refused = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: 'lake',
          Key: 'dst2',
          UploadId: (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'dst2' })))
            .UploadId,
          PartNumber: 1,
          CopySource: 'lake/src',
          CopySourceRange: `bytes=0-${source.length}`,
        }),
      ),
    )
    expect(refused).toEqual({
      name: 'InvalidArgument',
      message: `Range specified is not valid for source object of size: ${source.length}`,
      status: 400,
    })
    const missing = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: 'lake',
          Key: 'dst',
          UploadId: 'ffffffffffffffffffffffffffffffff',
          PartNumber: 1,
          CopySource: 'lake/src',
        }),
      ),
    )
    expect(missing).toMatchObject({ name: 'NoSuchUpload', status: 404 })
  })
})
