/**
 * S3's operations on the bucket store: the router from method + bucket/key + query subresource
 * to an operation, and the operations themselves (ListBuckets, HeadBucket, GetBucketLocation,
 * ListObjects v1 and v2, PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects,
 * CopyObject; CreateBucket and DeleteBucket for declared buckets only).
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { BucketStore } from '../../lake/buckets/bucket-store.ts'
import type { ObjectHead } from '../../lake/buckets/types.ts'
import { uriEncode } from '../auth/canonical.ts'
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
  uploadPartCopy,
} from './multipart.ts'
import { listMultipartUploads, listParts } from './multipart-list.ts'
import { getBucketNotification, putBucketNotification } from './notification.ts'
import {
  checkBucket,
  checkConditions,
  header,
  parseCopySource,
  parseRange,
  readHead,
  requestConditions,
  writePrecondition,
} from './object-reads.ts'
import { checksumHeaders, checksumsToStore, readPayload } from './payload.ts'
import { deleteBucketTagging, getBucketTagging, putBucketTagging } from './tagging.ts'
import { noSuchKey, notImplemented, S3Error, unescapeXml, type XmlNode, xmlDocument } from './xml.ts'

type Handler = (call: S3Call, ctx: S3Context) => Promise<AwsResponse>

const OWNER = {
  ID: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a',
  DisplayName: 'tributary',
}

/** Bucket and object subresources this API does not serve (NotImplemented rather than a listing). */
const UNSUPPORTED = [
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'logging',
  'metrics',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'legal-hold',
  'select',
  'tagging',
  'torrent',
  'uploads',
  'uploadId',
  'versioning',
  'versions',
  'website',
  'attributes',
  'partNumber',
]

const xmlReply = (root: string, body: XmlNode, status = 200): AwsResponse => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: xmlDocument(root, body),
})

const empty = (status: number, headers: Record<string, string> = {}): AwsResponse => ({
  status,
  headers,
  body: Buffer.alloc(0),
})

const iso = (ms: number) => new Date(ms).toISOString()
const httpDate = (ms: number) => new Date(ms).toUTCString()

export function operationFor(call: S3Call): Handler {
  const { method, bucket, key, query } = call
  const unsupported = UNSUPPORTED.find((name) => query.has(name))
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets
    return methodNotAllowed
  }
  if (key === undefined) {
    if (method === 'POST' && query.has('delete')) return deleteObjects
    if (method === 'GET' && query.has('uploads')) return bucketChecked(listMultipartUploads)
    if (query.has('notification')) {
      if (method === 'GET') return getBucketNotification
      if (method === 'PUT') return putBucketNotification
      return methodNotAllowed
    }
    if (query.has('tagging')) {
      if (method === 'GET') return getBucketTagging
      if (method === 'PUT') return putBucketTagging
      if (method === 'DELETE') return deleteBucketTagging
      return methodNotAllowed
    }
    // Buckets are never versioned: their versioning is unset, their objects each one version.
    if (method === 'GET' && query.has('versioning')) return getBucketVersioning
    if (method === 'GET' && query.has('versions')) return listObjectVersions
    if (unsupported) return () => Promise.reject(notImplemented(`?${unsupported}`))
    if (method === 'HEAD') return headBucket
    if (method === 'GET') {
      if (query.has('location')) return getBucketLocation
      return query.get('list-type') === '2' ? listObjectsV2 : listObjectsV1
    }
    if (method === 'PUT') return createBucket
    if (method === 'DELETE') return deleteBucket
    return methodNotAllowed
  }
  if (method === 'POST' && query.has('uploads'))
    return bucketChecked((c, ctx) => createMultipartUpload(c, ctx, putOptions(c)))
  if (query.has('uploadId')) {
    if (method === 'PUT' && query.has('partNumber')) {
      if (header(call.headers, 'x-amz-copy-source')) return bucketChecked(uploadPartCopy)
      return bucketChecked(uploadPart)
    }
    if (method === 'POST') return bucketChecked(completeMultipartUpload)
    if (method === 'DELETE') return bucketChecked(abortMultipartUpload)
    if (method === 'GET') return bucketChecked(listParts)
    return methodNotAllowed
  }
  if (unsupported) return () => Promise.reject(notImplemented(`?${unsupported} (tagging, ACLs, versions)`))
  // Every object is the one version `null` of its key (buckets are never versioned).
  const versionId = query.get('versionId')
  if (versionId !== null && versionId !== 'null')
    return () =>
      Promise.reject(
        new S3Error('InvalidArgument', 'Invalid version id specified', {
          ArgumentName: 'versionId',
          ArgumentValue: versionId,
        }),
      )
  if (method === 'PUT') return header(call.headers, 'x-amz-copy-source') ? copyObject : putObject
  if (method === 'GET') return getObject
  if (method === 'HEAD') return headObject
  if (method === 'DELETE') return deleteObject
  return methodNotAllowed
}

const bucketChecked =
  (handler: Handler): Handler =>
  (call, ctx) => {
    checkBucket(ctx.store, call.bucket!)
    return handler(call, ctx)
  }

/** What a PutObject (or CreateMultipartUpload) says about the object besides its bytes. */
function putOptions(call: S3Call) {
  const contentType = header(call.headers, 'content-type')
  const contentEncoding = contentEncodingOf(call.headers)
  return {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(contentEncoding !== undefined ? { contentEncoding } : {}),
    metadata: metadataOf(call.headers),
  }
}

async function methodNotAllowed(call: S3Call): Promise<AwsResponse> {
  throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
    Method: call.method,
    ResourceType: call.key !== undefined ? 'OBJECT' : call.bucket !== undefined ? 'BUCKET' : 'SERVICE',
  })
}

async function listBuckets(_call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const buckets = await ctx.bucketNames()
  return xmlReply('ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: iso(b.created) })) },
  })
}

async function headBucket(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  return empty(200, { 'x-amz-bucket-region': 'us-east-1', 'content-type': 'application/xml' })
}

async function getBucketLocation(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  return xmlReply('LocationConstraint', {})
}

/**
 * S3's general-purpose bucket naming rules: 3-63 characters of lower-case letters, digits, dots
 * and hyphens, a letter or digit at each end, no two dots together, not an IP address, none of
 * the prefixes and suffixes S3 keeps for itself. (Declared buckets are named by the pipeline and
 * mapped to AWS names at deploy; only buckets created through the API must follow these.)
 */
export function s3BucketNameValid(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  )
}

async function createBucket(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const name = call.bucket!
  // A bucket that exists (declared in the pipeline, whatever its name) is answered as S3 does.
  if (!ctx.store.has(name) && !s3BucketNameValid(name))
    throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name })
  // Kept in the state store beside the declared buckets; us-east-1 answers 200 to creating a
  // bucket one already owns.
  await ctx.buckets().create(name)
  return empty(200, { location: `/${call.bucket}` })
}

async function deleteBucket(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  await ctx.buckets().delete(call.bucket!)
  return empty(204, {})
}

function maxKeysOf(query: URLSearchParams): number | undefined {
  const text = query.get('max-keys')
  if (text === null) return undefined
  if (!/^\d+$/.test(text))
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      ArgumentName: 'maxKeys',
      ArgumentValue: text,
    })
  return Math.min(Number(text), 1000)
}

function encoder(query: URLSearchParams): (text: string) => string {
  const type = query.get('encoding-type')
  if (type === null) return (text) => text
  if (type !== 'url')
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
      ArgumentValue: type,
    })
  return (text) => uriEncode(text).replace(/%2F/g, '/')
}

/** The store's continuation token for "after everything under `prefix`" (see list-objects.ts). */
const afterPrefixToken = (prefix: string) =>
  Buffer.from(JSON.stringify({ a: prefix, p: 1 })).toString('base64url')

async function listObjectsV2(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { query } = call
  const enc = encoder(query)
  const prefix = query.get('prefix') ?? ''
  const delimiter = query.get('delimiter') ?? undefined
  const maxKeys = maxKeysOf(query)
  const token = query.get('continuation-token') ?? undefined
  const startAfter = query.get('start-after') ?? undefined
  if (token === '')
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    })
  const page = await listPage(call, ctx, { prefix, delimiter, maxKeys, continuationToken: token, startAfter })
  return xmlReply('ListBucketResult', {
    Name: call.bucket,
    Prefix: enc(prefix),
    Delimiter: delimiter === undefined ? undefined : enc(delimiter),
    MaxKeys: maxKeys ?? 1000,
    EncodingType: query.get('encoding-type') ?? undefined,
    KeyCount: page.keyCount,
    IsTruncated: page.isTruncated,
    ContinuationToken: token,
    NextContinuationToken: page.nextContinuationToken,
    StartAfter: startAfter === undefined ? undefined : enc(startAfter),
    Contents: contents(page.objects, enc, query.get('fetch-owner') === 'true'),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  })
}

async function listObjectsV1(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { query } = call
  const enc = encoder(query)
  const prefix = query.get('prefix') ?? ''
  const delimiter = query.get('delimiter') ?? undefined
  const maxKeys = maxKeysOf(query)
  const marker = query.get('marker') ?? ''
  const { page, last } = await pageAfterMarker(call, ctx, { prefix, delimiter, maxKeys }, marker)
  return xmlReply('ListBucketResult', {
    Name: call.bucket,
    Prefix: enc(prefix),
    Marker: enc(marker),
    NextMarker: page.isTruncated && last !== undefined ? enc(last) : undefined,
    MaxKeys: maxKeys ?? 1000,
    Delimiter: delimiter === undefined ? undefined : enc(delimiter),
    EncodingType: query.get('encoding-type') ?? undefined,
    IsTruncated: page.isTruncated,
    Contents: contents(page.objects, enc, true),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  })
}

/** GetBucketVersioning: never enabled, so S3's answer for a bucket never versioned (no Status). */
async function getBucketVersioning(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  return xmlReply('VersioningConfiguration', {})
}

/**
 * ListObjectVersions of an unversioned bucket, as S3 answers it: each object once, its version
 * `null` and the latest; paged by `key-marker` (a `version-id-marker` can only be `null`).
 */
async function listObjectVersions(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { query } = call
  const enc = encoder(query)
  const prefix = query.get('prefix') ?? ''
  const delimiter = query.get('delimiter') ?? undefined
  const maxKeys = maxKeysOf(query)
  const keyMarker = query.get('key-marker') ?? ''
  const versionIdMarker = query.get('version-id-marker') ?? undefined
  if (versionIdMarker !== undefined && keyMarker === '')
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
      ArgumentName: 'version-id-marker',
      ArgumentValue: versionIdMarker,
    })
  if (versionIdMarker !== undefined && versionIdMarker !== 'null' && versionIdMarker !== '')
    throw new S3Error('InvalidArgument', 'Invalid version id specified', {
      ArgumentName: 'version-id-marker',
      ArgumentValue: versionIdMarker,
    })
  const { page, last } = await pageAfterMarker(call, ctx, { prefix, delimiter, maxKeys }, keyMarker)
  const lastKey = page.objects.at(-1)?.key
  return xmlReply('ListVersionsResult', {
    Name: call.bucket,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker),
    VersionIdMarker: versionIdMarker ?? '',
    NextKeyMarker: page.isTruncated && last !== undefined ? enc(last) : undefined,
    NextVersionIdMarker: page.isTruncated && last !== undefined && last === lastKey ? 'null' : undefined,
    MaxKeys: maxKeys ?? 1000,
    Delimiter: delimiter === undefined ? undefined : enc(delimiter),
    EncodingType: query.get('encoding-type') ?? undefined,
    IsTruncated: page.isTruncated,
    Version: page.objects.map((o) => ({
      Key: enc(o.key),
      VersionId: 'null',
      IsLatest: true,
      LastModified: iso(o.lastModified),
      ETag: o.etag,
      Size: o.size,
      Owner: OWNER,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  })
}

/**
 * A page after a ListObjects (v1) `marker` or ListObjectVersions `key-marker`, and the last key or
 * common prefix on it (the next marker). A marker that is a common prefix (the next marker of a
 * page that ended on one) resumes after everything beneath it, as S3 does.
 */
async function pageAfterMarker(
  call: S3Call,
  ctx: S3Context,
  options: { prefix: string; delimiter: string | undefined; maxKeys: number | undefined },
  marker: string,
) {
  const { prefix, delimiter } = options
  const resume =
    marker !== '' && delimiter && marker.endsWith(delimiter) && marker.startsWith(prefix)
      ? { continuationToken: afterPrefixToken(marker) }
      : { startAfter: marker || undefined }
  const page = await listPage(call, ctx, { ...options, ...resume })
  const lastKey = page.objects.at(-1)?.key
  const lastPrefix = page.commonPrefixes.at(-1)
  const last =
    lastKey === undefined
      ? lastPrefix
      : lastPrefix === undefined || lastKey > lastPrefix
        ? lastKey
        : lastPrefix
  return { page, last }
}

async function listPage(
  call: S3Call,
  ctx: S3Context,
  options: Parameters<BucketStore['listObjects']>[1] & object,
) {
  checkBucket(ctx.store, call.bucket!)
  for (const k of Object.keys(options) as (keyof typeof options)[])
    if (options[k] === undefined) delete options[k]
  return ctx.store.listObjects(call.bucket!, options)
}

function contents(
  objects: { key: string; size: number; etag: string; lastModified: number }[],
  enc: (text: string) => string,
  owner: boolean,
): XmlNode[] {
  return objects.map((o) => ({
    Key: enc(o.key),
    LastModified: iso(o.lastModified),
    ETag: o.etag,
    Size: o.size,
    Owner: owner ? OWNER : undefined,
    StorageClass: 'STANDARD',
  }))
}

/** `x-amz-meta-*` headers, names lower-cased. */
function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue
    metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value
  }
  return metadata
}

/** Content-Encoding as stored: the transfer's `aws-chunked` is not the object's. */
function contentEncodingOf(headers: IncomingHttpHeaders): string | undefined {
  const encodings = (header(headers, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e.toLowerCase() !== 'aws-chunked')
  return encodings.length > 0 ? encodings.join(',') : undefined
}

async function putObject(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  const { bytes, checksums } = readPayload(call.headers, call.body)
  const precondition = writePrecondition(call.headers)
  const { etag } = await ctx.store.putObject(call.bucket!, call.key!, bytes, {
    ...putOptions(call),
    checksums: checksumsToStore(checksums),
    ...(precondition ? { precondition } : {}),
  })
  return empty(200, { etag, ...checksumHeaders(checksumsToStore(checksums)) })
}

function objectHeaders(head: ObjectHead, query: URLSearchParams): Record<string, string> {
  const headers: Record<string, string> = {
    etag: head.etag,
    'last-modified': httpDate(head.lastModified),
    'content-type': head.contentType,
    'accept-ranges': 'bytes',
  }
  if (head.contentEncoding !== undefined) headers['content-encoding'] = head.contentEncoding
  for (const [name, value] of Object.entries(head.metadata)) headers[`x-amz-meta-${name}`] = value
  for (const name of [
    'content-type',
    'content-language',
    'expires',
    'cache-control',
    'content-disposition',
    'content-encoding',
  ]) {
    const override = query.get(`response-${name}`)
    if (override !== null) headers[name] = override
  }
  return headers
}

/**
 * The stored checksums, when the request asks for them (`x-amz-checksum-mode: ENABLED`, what the
 * SDKs send to validate a GetObject). A range is not the object: S3 sends none with it.
 */
function checksumsAsked(call: S3Call, head: ObjectHead): Record<string, string> {
  if ((header(call.headers, 'x-amz-checksum-mode') ?? '').toUpperCase() !== 'ENABLED') return {}
  return checksumHeaders(head.checksums)
}

async function getObject(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const head = await readHead(ctx, call.bucket!, call.key!)
  checkConditions(head, requestConditions(call.headers), 'NotModified')
  const range = parseRange(header(call.headers, 'range'), head.size)
  let object: Awaited<ReturnType<BucketStore['getObject']>>
  try {
    object = await ctx.store.getObject(call.bucket!, call.key!)
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') throw noSuchKey(call.key!)
    throw error
  }
  const headers = objectHeaders(object, call.query)
  if (!range)
    return { status: 200, headers: { ...headers, ...checksumsAsked(call, object) }, body: object.body }
  const [start, end] = range
  headers['content-range'] = `bytes ${start}-${end}/${object.size}`
  return { status: 206, headers, body: object.body.subarray(start, end + 1) }
}

async function headObject(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const head = await readHead(ctx, call.bucket!, call.key!)
  checkConditions(head, requestConditions(call.headers), 'NotModified')
  const headers = objectHeaders(head, call.query)
  const range = parseRange(header(call.headers, 'range'), head.size)
  if (range) {
    headers['content-range'] = `bytes ${range[0]}-${range[1]}/${head.size}`
    headers['content-length'] = String(range[1] - range[0] + 1)
    return { status: 206, headers, body: Buffer.alloc(0) }
  }
  headers['content-length'] = String(head.size)
  return { status: 200, headers: { ...headers, ...checksumsAsked(call, head) }, body: Buffer.alloc(0) }
}

async function deleteObject(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  await ctx.store.deleteObject(call.bucket!, call.key!)
  return empty(204)
}

async function deleteObjects(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  const { bytes } = readPayload(call.headers, call.body)
  const text = bytes.toString('utf8')
  const malformed = () =>
    new S3Error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    )
  if (!/<Delete[\s>]/.test(text)) throw malformed()
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(text)
  const keys = [...text.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)
    if (!key) throw malformed()
    return unescapeXml(key[1]!)
  })
  if (keys.length === 0 || keys.length > 1000) throw malformed()
  const deleted: XmlNode[] = []
  const errors: XmlNode[] = []
  for (const key of keys) {
    try {
      await ctx.store.deleteObject(call.bucket!, key)
      if (!quiet) deleted.push({ Key: key })
    } catch (error) {
      const name = (error as Error).name
      errors.push({
        Key: key,
        Code: name === 'InvalidArgument' || name === 'KeyTooLongError' ? name : 'InternalError',
        Message: (error as Error).message,
      })
    }
  }
  return xmlReply('DeleteResult', { Deleted: deleted, Error: errors })
}

function fullObjectChecksums(stored: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(stored ?? {}).filter(([, value]) => !/-\d+$/.test(value)))
}

async function copyObject(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(ctx.store, call.bucket!)
  const source = parseCopySource(header(call.headers, 'x-amz-copy-source')!)
  const head = await readHead(ctx, source.bucket, source.key)
  checkConditions(head, requestConditions(call.headers, 'x-amz-copy-source-'), 'PreconditionFailed')
  const replace = (header(call.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE'
  if (!replace && source.bucket === call.bucket && source.key === call.key)
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    )
  const object = await ctx.store.getObject(source.bucket, source.key)
  const contentType = replace ? header(call.headers, 'content-type') : object.contentType
  const contentEncoding = replace ? contentEncodingOf(call.headers) : object.contentEncoding
  // The same bytes, written in one piece: the full-object checksums still hold (a composite one
  // of a multipart upload does not, and neither does its ETag).
  const checksums = fullObjectChecksums(object.checksums)
  const { etag } = await ctx.store.putObject(call.bucket!, call.key!, object.body, {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(contentEncoding !== undefined ? { contentEncoding } : {}),
    metadata: replace ? metadataOf(call.headers) : object.metadata,
    checksums,
    eventName: 'ObjectCreated:Copy',
  })
  const copied = await ctx.store.headObject(call.bucket!, call.key!).catch(() => undefined)
  const result: XmlNode = { ETag: etag, LastModified: iso(copied?.lastModified ?? ctx.now()) }
  for (const [algorithm, value] of Object.entries(checksums)) {
    result[`Checksum${algorithm.toUpperCase()}`] = value
    result.ChecksumType = 'FULL_OBJECT'
  }
  return xmlReply('CopyObjectResult', result)
}
