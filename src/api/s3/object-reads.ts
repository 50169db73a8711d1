/**
 * What reading an object through S3 shares: the bucket check, the object's head, S3's
 * conditional headers (on the object or, `x-amz-copy-source-if-*`, on a copy's source), ranges,
 * and the copy source header.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { BucketStore } from '../../lake/buckets/bucket-store.ts'
import type { ObjectHead } from '../../lake/buckets/types.ts'
import type { S3Context } from './call.ts'
import { noSuchBucket, noSuchKey, S3Error } from './xml.ts'

export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** The bucket's directory, or S3's NoSuchBucket naming it. */
export function checkBucket(store: BucketStore, bucket: string): void {
  try {
    store.bucketDir(bucket)
  } catch {
    throw noSuchBucket(bucket)
  }
}

export async function readHead(ctx: S3Context, bucket: string, key: string): Promise<ObjectHead> {
  checkBucket(ctx.store, bucket)
  try {
    return await ctx.store.headObject(bucket, key)
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') throw noSuchKey(key)
    throw error
  }
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '')

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((e) => e.trim() === '*' || unquote(e) === unquote(etag))
}

/** Whole seconds, as HTTP dates carry them; undefined for a date that does not parse (ignored). */
function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

interface Conditions {
  ifMatch?: string | undefined
  ifNoneMatch?: string | undefined
  ifModifiedSince?: string | undefined
  ifUnmodifiedSince?: string | undefined
}

/** S3's conditional request rules: 412 PreconditionFailed, or 304 (`notModified`). */
export function checkConditions(
  head: ObjectHead,
  c: Conditions,
  notModified: 'NotModified' | 'PreconditionFailed',
) {
  const modified = Math.floor(head.lastModified / 1000)
  const failed = (condition: string) =>
    new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: condition,
    })
  const unmodifiedSince = seconds(c.ifUnmodifiedSince)
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, head.etag)) throw failed('If-Match')
  } else if (unmodifiedSince !== undefined && modified > unmodifiedSince) {
    throw failed('If-Unmodified-Since')
  }
  const notChanged = () =>
    notModified === 'NotModified'
      ? new S3Error('NotModified', 'Not Modified', {}, {})
      : failed(c.ifNoneMatch !== undefined ? 'If-None-Match' : 'If-Modified-Since')
  const modifiedSince = seconds(c.ifModifiedSince)
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, head.etag)) throw notChanged()
  } else if (modifiedSince !== undefined && modified <= modifiedSince) {
    throw notChanged()
  }
}

/**
 * S3's conditional writes (PutObject, CompleteMultipartUpload): `If-None-Match: *` writes only
 * when the key holds no object, `If-Match: <etag>` only over that very object (404 `NoSuchKey`
 * when there is none); 412 `PreconditionFailed` otherwise. Checked by the bucket store under the
 * key's lock. Undefined when the request has neither header.
 */
export function writePrecondition(
  headers: IncomingHttpHeaders,
): ((current: ObjectHead | undefined) => void) | undefined {
  const ifNoneMatch = header(headers, 'if-none-match')
  const ifMatch = header(headers, 'if-match')
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
    throw new S3Error(
      'NotImplemented',
      'A header you provided implies functionality that is not implemented',
      { Header: 'If-None-Match' },
    )
  const failed = (condition: string) =>
    new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: condition,
    })
  return (current) => {
    if (ifNoneMatch !== undefined && current !== undefined) throw failed('If-None-Match')
    if (ifMatch !== undefined) {
      if (current === undefined) throw new S3Error('NoSuchKey', 'The specified key does not exist.')
      if (!etagMatches(ifMatch, current.etag)) throw failed('If-Match')
    }
  }
}

export function requestConditions(headers: IncomingHttpHeaders, prefix = ''): Conditions {
  return {
    ifMatch: header(headers, `${prefix}if-match`),
    ifNoneMatch: header(headers, `${prefix}if-none-match`),
    ifModifiedSince: header(headers, `${prefix}if-modified-since`),
    ifUnmodifiedSince: header(headers, `${prefix}if-unmodified-since`),
  }
}

/** A single `bytes=` range as [start, end] inclusive; undefined to serve the whole object. */
export function parseRange(text: string | undefined, size: number): [number, number] | undefined {
  if (text === undefined) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(text.trim())
  // Several ranges, or a malformed header: S3 ignores it and sends the whole object.
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  const invalid = () =>
    new S3Error(
      'InvalidRange',
      'The requested range is not satisfiable',
      { RangeRequested: text, ActualObjectSize: String(size) },
      { 'content-range': `bytes */${size}` },
    )
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) throw invalid()
    return [Math.max(0, size - suffix), size - 1]
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (match[2] !== '' && Number(match[2]) < start) return undefined
  if (start >= size) throw invalid()
  return [start, end]
}

export function parseCopySource(text: string): { bucket: string; key: string } {
  const invalid = () =>
    new S3Error('InvalidArgument', 'Invalid copy source object key', { ArgumentName: 'x-amz-copy-source' })
  const [path] = text.split('?')
  let decoded: string
  try {
    decoded = decodeURIComponent(path!)
  } catch {
    throw invalid()
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1)
  const slash = decoded.indexOf('/')
  if (slash <= 0 || slash === decoded.length - 1) throw invalid()
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) }
}
