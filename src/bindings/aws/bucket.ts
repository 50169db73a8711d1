import type { BucketListOptions, BucketPutOptions } from '../types.ts'
import { invalid, physicalName, sdkCall } from './errors.ts'
import type { AwsMethods } from './service.ts'

/** The body as bytes, and the content type it implies when the handler names none. */
function encodeBody(body: unknown): { bytes: Uint8Array; contentType: string } {
  if (body instanceof Uint8Array) return { bytes: body, contentType: 'binary/octet-stream' }
  if (typeof body === 'string')
    return { bytes: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' }
  if (body === undefined || typeof body === 'function' || typeof body === 'symbol') {
    throw invalid('InvalidArgument', 'object body must be a string, bytes or JSON-serializable data')
  }
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' }
}

/** HeadObject answers a missing key with a bare 404 (no body, so no code): S3 means NoSuchKey. */
const HEAD_RENAMES = { NotFound: 'NoSuchKey' }

interface Head {
  ContentLength?: number
  ETag?: string
  ContentType?: string
  ContentEncoding?: string
  Metadata?: Record<string, string>
  LastModified?: Date
}

const headOut = (key: string, h: Head) => ({
  key,
  size: h.ContentLength ?? 0,
  etag: h.ETag ?? '',
  contentType: h.ContentType ?? 'binary/octet-stream',
  ...(h.ContentEncoding === undefined ? {} : { contentEncoding: h.ContentEncoding }),
  metadata: h.Metadata ?? {},
  lastModified: h.LastModified ?? new Date(0),
})

/** `bucket(name)`: PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2. */
export const bucketMethods: AwsMethods = {
  async put(ctx, name, [key, body, given]) {
    const { bytes, contentType } = encodeBody(body)
    const options = (given ?? {}) as BucketPutOptions
    const Bucket = physicalName('bucket', name, ctx.env)
    const { PutObjectCommand } = await import('@aws-sdk/client-s3')
    const s3 = await ctx.clients.get('s3')
    const out = await sdkCall(() =>
      s3.send(
        new PutObjectCommand({
          Bucket,
          Key: key as string,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: options.contentType ?? contentType,
          ContentEncoding: options.contentEncoding,
          Metadata: options.metadata,
        }),
      ),
    )
    return { etag: out.ETag ?? '', size: bytes.byteLength }
  },

  async get(ctx, name, [key]) {
    const Bucket = physicalName('bucket', name, ctx.env)
    const { GetObjectCommand } = await import('@aws-sdk/client-s3')
    const s3 = await ctx.clients.get('s3')
    return sdkCall(async () => {
      const out = await s3.send(new GetObjectCommand({ Bucket, Key: key as string }))
      const body = (await out.Body?.transformToByteArray()) ?? new Uint8Array()
      return { ...headOut(key as string, out), body }
    })
  },

  async head(ctx, name, [key]) {
    const Bucket = physicalName('bucket', name, ctx.env)
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3')
    const s3 = await ctx.clients.get('s3')
    const out = await sdkCall(
      () => s3.send(new HeadObjectCommand({ Bucket, Key: key as string })),
      HEAD_RENAMES,
    )
    return headOut(key as string, out)
  },

  async delete(ctx, name, [key]) {
    const Bucket = physicalName('bucket', name, ctx.env)
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3')
    const s3 = await ctx.clients.get('s3')
    await sdkCall(() => s3.send(new DeleteObjectCommand({ Bucket, Key: key as string })))
  },

  async list(ctx, name, [given]) {
    if (given !== undefined && (given === null || typeof given !== 'object')) {
      throw invalid('InvalidArgument', 'list options must be an object')
    }
    const o = (given ?? {}) as BucketListOptions
    const Bucket = physicalName('bucket', name, ctx.env)
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3')
    const s3 = await ctx.clients.get('s3')
    const out = await sdkCall(() =>
      s3.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: o.prefix,
          Delimiter: o.delimiter,
          MaxKeys: o.maxKeys,
          ContinuationToken: o.continuationToken,
          StartAfter: o.startAfter,
        }),
      ),
    )
    return {
      objects: (out.Contents ?? []).map((c) => ({
        key: c.Key ?? '',
        size: c.Size ?? 0,
        etag: c.ETag ?? '',
        lastModified: c.LastModified ?? new Date(0),
      })),
      commonPrefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
      isTruncated: out.IsTruncated ?? false,
      ...(out.NextContinuationToken ? { nextContinuationToken: out.NextContinuationToken } : {}),
      keyCount: out.KeyCount ?? 0,
    }
  },
}
