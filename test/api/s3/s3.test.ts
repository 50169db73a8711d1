import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, requireClient, run } from '../../helpers/real-clients.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const FIXTURE = new URL('../../fixtures/pipelines/s3-event-crash/', import.meta.url).pathname

const definition = {
  name: 's3-api',
  buckets: {
    lake: {},
    inbox: { notifications: [{ function: 'seen', events: ['s3:ObjectCreated:*' as const], prefix: 'in/' }] },
  },
  functions: { seen: { handler: 'functions/seen.handler' } },
}

function client(p: TestPipeline, config: Partial<S3ClientConfig> = {}): S3Client {
  const s3 = new S3Client({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials,
    forcePathStyle: true,
    ...config,
  })
  onTestFinished(() => s3.destroy())
  return s3
}

async function start(): Promise<{ p: TestPipeline; s3: S3Client }> {
  const p = await startPipeline(definition, { serve: true, dir: FIXTURE, teardown: onTestFinished })
  return { p, s3: client(p) }
}

async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined
  if (!error) throw new Error('expected the call to fail')
  return { name: error.name, status: error.$metadata.httpStatusCode }
}

async function raw(p: TestPipeline, path: string, init: RequestInit = {}) {
  const res = await fetch(`${p.endpoint}${path}`, init)
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe('the S3 API with @aws-sdk/client-s3', () => {
  it('lists buckets, heads them, and puts, gets, heads and deletes objects', async () => {
    const { p, s3 } = await start()
    const { Buckets } = await s3.send(new ListBucketsCommand({}))
    expect(Buckets?.map((b) => b.Name)).toEqual(['inbox', 'lake'])
    await s3.send(new HeadBucketCommand({ Bucket: 'lake' }))
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'nope' })))).toMatchObject({ status: 404 })

    const body = '{"hello":"wörld"}'
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'dir/a b+c.json',
        Body: body,
        ContentType: 'application/json',
        Metadata: { Owner: 'ana' },
      }),
    )
    const md5 = createHash('md5').update(body).digest('hex')
    expect(put.ETag).toBe(`"${md5}"`)
    // The SDK sent its default CRC32 (aws-chunked with a trailer): echoed back.
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/)
    // The same bytes the lake's readers see.
    expect(await p.lake.text('lake', 'dir/a b+c.json')).toBe(body)

    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'dir/a b+c.json' }))
    expect(await got.Body!.transformToString()).toBe(body)
    expect(got).toMatchObject({
      ETag: `"${md5}"`,
      ContentType: 'application/json',
      ContentLength: Buffer.byteLength(body),
      Metadata: { owner: 'ana' },
      AcceptRanges: 'bytes',
    })
    expect(got.LastModified).toBeInstanceOf(Date)
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'dir/a b+c.json' }))
    expect(head).toMatchObject({
      ContentLength: Buffer.byteLength(body),
      ETag: `"${md5}"`,
      Metadata: { owner: 'ana' },
    })

    // Binary bodies come back byte for byte; no Content-Type is S3's default.
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80])
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'bin', Body: bytes }))
    const bin = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'bin' }))
    expect(Buffer.from(await bin.Body!.transformToByteArray())).toEqual(bytes)
    expect(bin.ContentType).toBe('application/octet-stream')
    // A put without a Content-Type (anonymous here: no --auth) gets S3's default.
    expect((await raw(p, '/lake/untyped', { method: 'PUT', body: new Uint8Array([1, 2]) })).status).toBe(200)
    const untyped = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'untyped' }))
    expect(untyped).toMatchObject({ ContentType: 'binary/octet-stream', ContentLength: 2 })

    await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'dir/a b+c.json' }))
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'dir/a b+c.json' })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    })
    expect(
      await failure(s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'dir/a b+c.json' }))),
    ).toMatchObject({
      status: 404,
    })
    // Deleting a missing key succeeds, as in S3.
    await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'never' }))
  })

  it('lists with ListObjectsV2: prefix, delimiter, max-keys, continuation, start-after, url encoding', async () => {
    const { s3 } = await start()
    const keys = ['a/1.json', 'a/2.json', 'b/x/1.json', 'b/y.json', 'c d.json', 'top.json']
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: Key }))

    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'lake' }))
    expect(all.Contents?.map((c) => c.Key)).toEqual(keys)
    expect(all).toMatchObject({ KeyCount: 6, IsTruncated: false, Name: 'lake' })
    expect(all.Contents![0]).toMatchObject({ Size: 8, StorageClass: 'STANDARD' })
    expect(all.Contents![0]!.ETag).toBe(`"${createHash('md5').update('a/1.json').digest('hex')}"`)

    const folded = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Delimiter: '/' }))
    expect(folded.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['a/', 'b/'])
    expect(folded.Contents?.map((c) => c.Key)).toEqual(['c d.json', 'top.json'])

    const underB = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'b/', Delimiter: '/' }))
    expect(underB.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['b/x/'])
    expect(underB.Contents?.map((c) => c.Key)).toEqual(['b/y.json'])

    const seen: string[] = []
    let ContinuationToken: string | undefined
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', MaxKeys: 4, ContinuationToken }))
      expect(page.KeyCount).toBeLessThanOrEqual(4)
      seen.push(...(page.Contents ?? []).map((c) => c.Key!))
      ContinuationToken = page.NextContinuationToken
      expect(page.IsTruncated).toBe(ContinuationToken !== undefined)
    } while (ContinuationToken)
    expect(seen).toEqual(keys)

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', StartAfter: 'b/y.json' }))
    expect(after.Contents?.map((c) => c.Key)).toEqual(['c d.json', 'top.json'])

    const encoded = await s3.send(
      new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'c', EncodingType: 'url' }),
    )
    expect(encoded.Contents?.map((c) => c.Key)).toEqual(['c%20d.json'])

    // ListObjects (v1): markers, including a NextMarker that is a common prefix.
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'lake', Delimiter: '/', MaxKeys: 1 }))
    expect(v1).toMatchObject({ IsTruncated: true, NextMarker: 'a/' })
    const v1b = await s3.send(new ListObjectsCommand({ Bucket: 'lake', Delimiter: '/', Marker: 'a/' }))
    expect(v1b.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['b/'])
    expect(v1b.Contents?.map((c) => c.Key)).toEqual(['c d.json', 'top.json'])
    const v1c = await s3.send(new ListObjectsCommand({ Bucket: 'lake', Marker: 'b/y.json' }))
    expect(v1c.Contents?.map((c) => c.Key)).toEqual(['c d.json', 'top.json'])

    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'nope' })))).toEqual({
      name: 'NoSuchBucket',
      status: 404,
    })
  })

  it('serves ranges and conditional requests', async () => {
    const { s3 } = await start()
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'r.txt', Body: '0123456789' }))
    const part = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', Range: 'bytes=2-5' }))
    expect(await part.Body!.transformToString()).toBe('2345')
    expect(part).toMatchObject({
      ContentRange: 'bytes 2-5/10',
      ContentLength: 4,
      $metadata: { httpStatusCode: 206 },
    })
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', Range: 'bytes=-3' }))
    expect(await tail.Body!.transformToString()).toBe('789')
    const open = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', Range: 'bytes=8-' }))
    expect(await open.Body!.transformToString()).toBe('89')
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', Range: 'bytes=10-' }))),
    ).toEqual({
      name: 'InvalidRange',
      status: 416,
    })

    const ok = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfMatch: ETag }))
    expect(await ok.Body!.transformToString()).toBe('0123456789')
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfMatch: '"0000"' }))),
    ).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(
      (await failure(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfNoneMatch: ETag }))))
        .status,
    ).toBe(304)
    const future = new Date(Date.now() + 3_600_000)
    const past = new Date(Date.now() - 3_600_000)
    expect(
      (
        await failure(
          s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfModifiedSince: future })),
        )
      ).status,
    ).toBe(304)
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfUnmodifiedSince: past }))),
    ).toEqual({ name: 'PreconditionFailed', status: 412 })
    const modified = await s3.send(
      new GetObjectCommand({ Bucket: 'lake', Key: 'r.txt', IfModifiedSince: past }),
    )
    expect(await modified.Body!.transformToString()).toBe('0123456789')
  })

  it('writes conditionally: If-None-Match * and If-Match on PutObject and CompleteMultipartUpload', async () => {
    const { p, s3 } = await start()
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'c.txt', Body: 'one', IfNoneMatch: '*' }),
    )
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'c.txt', Body: 'two', IfNoneMatch: '*' })),
      ),
    ).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'c.txt', Body: 'two', IfMatch: '"0000"' })),
      ),
    ).toEqual({ name: 'PreconditionFailed', status: 412 })
    // Nothing refused was written.
    expect(await p.lake.text('lake', 'c.txt')).toBe('one')
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'c.txt', Body: 'two', IfMatch: first.ETag }))
    expect(await p.lake.text('lake', 'c.txt')).toBe('two')
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'none.txt', Body: 'x', IfMatch: first.ETag })),
      ),
    ).toEqual({ name: 'NoSuchKey', status: 404 })
    const notStar = await raw(p, '/lake/c.txt', {
      method: 'PUT',
      body: 'x',
      headers: { 'if-none-match': '"abc"' },
    })
    expect(notStar.status).toBe(501)
    expect(notStar.text).toContain('<Code>NotImplemented</Code>')

    // A refused completion keeps the upload: it completes once the condition holds.
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'c.txt' }))
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'lake', Key: 'c.txt', UploadId, PartNumber: 1, Body: 'three' }),
    )
    const complete = (extra: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'lake',
          Key: 'c.txt',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          ...extra,
        }),
      )
    expect(await failure(complete({ IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await p.lake.text('lake', 'c.txt')).toBe('two')
    const current = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'c.txt' }))
    await complete({ IfMatch: current.ETag })
    expect(await p.lake.text('lake', 'c.txt')).toBe('three')
  })

  it('checks Content-MD5 and checksums (BadDigest), and answers S3 error documents', async () => {
    const { p, s3 } = await start()
    const wrongMd5 = createHash('md5').update('other').digest('base64')
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'm', Body: 'data', ContentMD5: wrongMd5 })),
      ),
    ).toEqual({ name: 'BadDigest', status: 400 })
    const rightMd5 = createHash('md5').update('data').digest('base64')
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'm', Body: 'data', ContentMD5: rightMd5 }))
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'c', Body: 'data', ChecksumCRC32: 'AAAAAA==' })),
      ),
    ).toEqual({ name: 'BadDigest', status: 400 })
    await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 's', Body: 'data', ChecksumAlgorithm: 'SHA256' }),
    )
    await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'cc', Body: 'data', ChecksumAlgorithm: 'CRC32C' }),
    )
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'nope', Key: 'k', Body: 'data' })))).toEqual({
      name: 'NoSuchBucket',
      status: 404,
    })

    const missing = await raw(p, '/lake/no/such%20key')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/xml')
    expect(missing.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist\.<\/Message><Key>no\/such key<\/Key><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/,
    )
    const list = await raw(p, '/lake?list-type=2')
    expect(list.text).toContain('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')
    expect((await raw(p, '/lake/k?tagging')).status).toBe(501)
    // The web routes stay where they were.
    expect((await raw(p, '/health')).status).toBe(200)
  })

  it('refuses bodies over the server limit (413) and keys the directory tree cannot hold', async () => {
    const { p, s3 } = await start()
    const tooBig = await fetch(`${p.endpoint}/lake/big`, { method: 'PUT', body: new Uint8Array(14_100_000) })
      .then((res) => res.status)
      .catch((error: Error) => error.message)
    expect(tooBig).toBe(413)
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a', Body: 'file' }))
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a/b', Body: 'x' })))).toEqual({
      name: 'ObjectPathConflict',
      status: 409,
    })
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'dir/', Body: '' })))).toEqual({
      name: 'InvalidArgument',
      status: 400,
    })
  })

  it('deletes many objects at once and copies objects', async () => {
    const { s3 } = await start()
    for (const Key of ['x/1', 'x/2', 'x/3'])
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: Key, Metadata: { k: Key } }))
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: 'inbox', Key: 'copy/one', CopySource: 'lake/x/1' }),
    )
    expect(copied.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('x/1').digest('hex')}"`)
    const copy = await s3.send(new GetObjectCommand({ Bucket: 'inbox', Key: 'copy/one' }))
    expect(await copy.Body!.transformToString()).toBe('x/1')
    expect(copy.Metadata).toEqual({ k: 'x/1' })
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'lake',
        Key: 'x/1',
        CopySource: 'lake/x/1',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
        Metadata: { fresh: 'yes' },
      }),
    )
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'x/1' }))
    expect(replaced).toMatchObject({ ContentType: 'text/plain', Metadata: { fresh: 'yes' } })
    expect(
      await failure(s3.send(new CopyObjectCommand({ Bucket: 'lake', Key: 'y', CopySource: 'lake/missing' }))),
    ).toEqual({ name: 'NoSuchKey', status: 404 })

    const { Deleted, Errors } = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'lake',
        Delete: { Objects: [{ Key: 'x/1' }, { Key: 'x/2' }, { Key: 'never' }] },
      }),
    )
    expect(Deleted?.map((d) => d.Key)).toEqual(['x/1', 'x/2', 'never'])
    expect(Errors ?? []).toEqual([])
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'lake' }))
    expect(left.Contents?.map((c) => c.Key)).toEqual(['x/3'])
  })

  it('assembles multipart uploads, lists and aborts them, and refuses small or unknown parts', async () => {
    const { p, s3 } = await start()
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'inbox',
        Key: 'in/big.bin',
        ContentType: 'application/x-big',
        Metadata: { m: '1' },
      }),
    )
    expect(UploadId).toMatch(/^[0-9a-f]{32}$/)
    const first = Buffer.alloc(5 * 1024 * 1024, 'a')
    const second = Buffer.from('the end')
    const one = await s3.send(
      new UploadPartCommand({ Bucket: 'inbox', Key: 'in/big.bin', UploadId, PartNumber: 1, Body: first }),
    )
    const two = await s3.send(
      new UploadPartCommand({ Bucket: 'inbox', Key: 'in/big.bin', UploadId, PartNumber: 2, Body: second }),
    )
    const { Parts } = await s3.send(new ListPartsCommand({ Bucket: 'inbox', Key: 'in/big.bin', UploadId }))
    expect(Parts?.map((part) => [part.PartNumber, part.Size, part.ETag])).toEqual([
      [1, first.length, one.ETag],
      [2, second.length, two.ETag],
    ])
    const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'inbox' }))
    expect(Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['in/big.bin', UploadId]])
    const parts = [
      { PartNumber: 1, ETag: one.ETag },
      { PartNumber: 2, ETag: two.ETag },
    ]
    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'inbox',
            Key: 'in/big.bin',
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] },
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidPart', status: 400 })
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'inbox',
        Key: 'in/big.bin',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
    const got = await s3.send(new GetObjectCommand({ Bucket: 'inbox', Key: 'in/big.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([first, second]))).toBe(
      true,
    )
    expect(got).toMatchObject({ ContentType: 'application/x-big', Metadata: { m: '1' } })
    // Completed: the upload is gone, and the object was announced like any put.
    expect(
      await failure(s3.send(new ListPartsCommand({ Bucket: 'inbox', Key: 'in/big.bin', UploadId }))),
    ).toEqual({
      name: 'NoSuchUpload',
      status: 404,
    })
    await p.settle()
    expect(p.logs.map((l) => l.message)).toContain('seen inbox/in/big.bin')

    const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'small' }))
    const a = await s3.send(
      new UploadPartCommand({
        Bucket: 'lake',
        Key: 'small',
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: 'a',
      }),
    )
    const b = await s3.send(
      new UploadPartCommand({
        Bucket: 'lake',
        Key: 'small',
        UploadId: small.UploadId,
        PartNumber: 2,
        Body: 'b',
      }),
    )
    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'lake',
            Key: 'small',
            UploadId: small.UploadId,
            MultipartUpload: {
              Parts: [
                { PartNumber: 1, ETag: a.ETag },
                { PartNumber: 2, ETag: b.ETag },
              ],
            },
          }),
        ),
      ),
    ).toEqual({ name: 'EntityTooSmall', status: 400 })
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'lake', Key: 'small', UploadId: small.UploadId }))
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'lake' }))).Uploads ?? []).toEqual([])
    expect(
      await failure(
        s3.send(
          new UploadPartCommand({ Bucket: 'lake', Key: 'small', UploadId: '../x', PartNumber: 1, Body: 'a' }),
        ),
      ),
    ).toEqual({ name: 'NoSuchUpload', status: 404 })
  })

  it('fires a bucket notification for an object put through the API', async () => {
    const { p, s3 } = await start()
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'in/hello world.json', Body: '{}' }))
    await p.settle()
    expect(p.logs.map((l) => l.message)).toContain('seen inbox/in/hello+world.json')
  })

  it('reads lake files a delivery wrote as objects', async () => {
    const p = await startPipeline(
      {
        name: 's3-delivery',
        streams: { events: { shardCount: 1 } },
        buckets: { lake: {} },
        deliveries: {
          raw: {
            stream: 'events',
            bucket: 'lake',
            prefix: 'raw/',
            appendNewline: true,
            bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
            startingPosition: 'TRIM_HORIZON',
          },
        },
      },
      { serve: true, teardown: onTestFinished },
    )
    const s3 = client(p)
    await p.put('events', [{ n: 1 }, { n: 2 }])
    await p.advance(61_000)
    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'raw/' }))
    expect(Contents).toHaveLength(1)
    const object = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: Contents![0]!.Key! }))
    const text = await object.Body!.transformToString()
    expect(
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ n: 1 }, { n: 2 }])
    expect(object.ETag).toBe(Contents![0]!.ETag)
  })

  it('serves virtual-hosted-style requests (<bucket>.localhost)', async () => {
    const { p } = await start()
    const port = new URL(p.endpoint!).port
    const s3 = client(p, { endpoint: `http://localhost:${port}`, forcePathStyle: false })
    // `<bucket>.localhost` may not resolve here: connect to 127.0.0.1, keep the signed Host header.
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname: string; headers: Record<string, string> }
        expect(request.headers.host ?? request.hostname).toMatch(/^lake\.localhost/)
        request.hostname = '127.0.0.1'
        return next(args)
      },
      { step: 'deserialize', name: 'connectToLoopback' },
    )
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'v/hosted.txt', Body: 'virtual' }))
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'v/hosted.txt' }))
    expect(await got.Body!.transformToString()).toBe('virtual')
    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: 'lake' }))
    expect(Contents?.map((c) => c.Key)).toEqual(['v/hosted.txt'])
  })

  it('creates buckets that survive a restart, lists them, and deletes them once empty (CreateBucket, DeleteBucket)', async () => {
    const p = await startPipeline(definition, { serve: true, dir: FIXTURE })
    let s3 = client(p)
    await s3.send(new CreateBucketCommand({ Bucket: 'lake' }))
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }))
    // Creating it again: 200, as us-east-1 answers the owner.
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }))
    // S3's naming rules for new buckets: lower case, 3-63 characters, not an IP address, no '..'.
    for (const bad of ['Bad_Name', 'ab', '192.168.5.4', 'a..b', 'xn--bucket', '-leading', 'trailing-'])
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: bad }))), bad).toEqual({
        name: 'InvalidBucketName',
        status: 400,
      })
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a.txt', Body: 'a' }))
    await p.close()
    const again = await startPipeline(definition, {
      serve: true,
      dir: FIXTURE,
      dataDir: p.dataDir,
      clock: p.clock,
    })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    s3 = client(again)
    const { Buckets } = await s3.send(new ListBucketsCommand({}))
    expect(Buckets?.map((b) => b.Name)).toEqual(['inbox', 'lake', 'uploads'])
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'a.txt' }))
    expect(await got.Body!.transformToString()).toBe('a')
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'uploads' })))).toEqual({
      name: 'BucketNotEmpty',
      status: 409,
    })
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'lake' })))).toEqual({
      name: 'InvalidBucketState',
      status: 409,
    })
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'nope' })))).toEqual({
      name: 'NoSuchBucket',
      status: 404,
    })
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'a.txt' }))
    await s3.send(new DeleteBucketCommand({ Bucket: 'uploads' }))
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['inbox', 'lake'])
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'uploads' })))).toMatchObject({
      status: 404,
    })
  })
})

const cli = findAwsCli()

describe('the AWS CLI against the S3 API', () => {
  it('aws s3 ls, cp up and down, rm', { timeout: 120_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const { p } = await start()
    const dir = await mkdtemp(join(tmpdir(), 's3-cli-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const aws = (...args: string[]) => run(cli.path, ['s3', ...args, '--endpoint-url', p.endpoint!])
    expect(await aws('ls')).toMatch(/ inbox\n.* lake\n$/)
    await writeFile(join(dir, 'up.txt'), 'from the cli\n')
    await aws('cp', join(dir, 'up.txt'), 's3://lake/cli/up.txt')
    expect(await p.lake.text('lake', 'cli/up.txt')).toBe('from the cli\n')
    expect(await aws('ls', 's3://lake/')).toContain('PRE cli/')
    expect(await aws('ls', 's3://lake/cli/')).toMatch(/\s13 up\.txt\n$/)
    await aws('cp', 's3://lake/cli/up.txt', join(dir, 'down.txt'))
    expect(await readFile(join(dir, 'down.txt'), 'utf8')).toBe('from the cli\n')
    // Above 8 MB the CLI uploads in parts.
    const big = Buffer.alloc(9 * 1024 * 1024, 'z')
    await writeFile(join(dir, 'big.bin'), big)
    await aws('cp', join(dir, 'big.bin'), 's3://lake/cli/big.bin')
    expect((await p.lake.read('lake', 'cli/big.bin')).equals(big)).toBe(true)
    await aws('rm', 's3://lake/cli/big.bin')
    await aws('rm', 's3://lake/cli/up.txt')
    expect(await aws('ls', 's3://lake/cli/').catch((e: Error) => e.message)).not.toContain('up.txt')
  })
})
