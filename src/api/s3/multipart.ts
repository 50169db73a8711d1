/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts and ListMultipartUploads. Parts wait in
 * `<lake>/.multipart/<uploadId>/` (outside every bucket: `.`-prefixed names are never buckets);
 * completing one puts the concatenated parts through the bucket store, so the object is written
 * and announced like any other put.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { syncDirs } from '../../lake/buckets/durable-file.ts'
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import {
  checkConditions,
  header,
  parseCopySource,
  readHead,
  requestConditions,
  writePrecondition,
} from './object-reads.ts'
import { CHECKSUMS, checksumHeaders, checksumsToStore, readPayload } from './payload.ts'
import { S3Error, unescapeXml, type XmlNode, xmlDocument } from './xml.ts'

/** S3's smallest part, but for the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024
export const MAX_PART_NUMBER = 10_000
export const OWNER_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a'

export interface Upload {
  bucket: string
  key: string
  initiated: number
  contentType?: string
  contentEncoding?: string
  metadata: Record<string, string>
  /** `x-amz-checksum-algorithm` of CreateMultipartUpload, lower case. */
  checksumAlgorithm?: string
}

/** What is kept beside a part's bytes: its ETag and the checksums it came with. */
export interface PartInfo {
  etag: string
  checksums: Record<string, string>
}

/**
 * Writes a file of an upload durably (a 200 means fsynced): a temp file beside it, fsynced, renamed
 * into place, the directory fsynced. A crash leaves the old file or the new one, never a torn one.
 */
async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, path)
  await syncDirs([dirname(path)], true)
}

export const xmlReply = (root: string, body: XmlNode): AwsResponse => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: xmlDocument(root, body),
})

export const uploadsDir = (ctx: S3Context) => join(ctx.lakeRoot, '.multipart')

const noSuchUpload = (uploadId: string) =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  )

export async function readUpload(
  ctx: S3Context,
  call: S3Call,
): Promise<{ id: string; dir: string; upload: Upload }> {
  const id = call.query.get('uploadId') ?? ''
  // Upload ids are ours (32 hex digits): anything else never names a directory.
  if (!/^[0-9a-f]{32}$/.test(id)) throw noSuchUpload(id)
  const dir = join(uploadsDir(ctx), id)
  let upload: Upload
  try {
    upload = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as Upload
  } catch {
    throw noSuchUpload(id)
  }
  if (upload.bucket !== call.bucket || upload.key !== call.key) throw noSuchUpload(id)
  return { id, dir, upload }
}

export async function createMultipartUpload(
  call: S3Call,
  ctx: S3Context,
  upload: Omit<Upload, 'bucket' | 'key' | 'initiated'>,
): Promise<AwsResponse> {
  // The initiation time leads the id, so ids of one key sort as S3 lists them (oldest first).
  const id = `${ctx.now().toString(16).padStart(12, '0').slice(-12)}${randomBytes(10).toString('hex')}`
  const dir = join(uploadsDir(ctx), id)
  await mkdir(dir, { recursive: true })
  await syncDirs([uploadsDir(ctx)], true)
  const algorithm = header(call.headers, 'x-amz-checksum-algorithm')?.toLowerCase()
  if (algorithm !== undefined && !(algorithm in CHECKSUMS))
    throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported.')
  const record: Upload = {
    bucket: call.bucket!,
    key: call.key!,
    initiated: ctx.now(),
    ...upload,
    ...(algorithm !== undefined ? { checksumAlgorithm: algorithm } : {}),
  }
  await writeDurable(join(dir, 'upload.json'), JSON.stringify(record))
  const reply = xmlReply('InitiateMultipartUploadResult', {
    Bucket: call.bucket,
    Key: call.key,
    UploadId: id,
  })
  if (algorithm !== undefined) reply.headers['x-amz-checksum-algorithm'] = algorithm.toUpperCase()
  return reply
}

function partNumberOf(call: S3Call): number {
  const text = call.query.get('partNumber') ?? ''
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_PART_NUMBER)
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: text,
    })
  return n
}

const partFile = (dir: string, n: number) => join(dir, `part-${String(n).padStart(5, '0')}`)

/** Writes a part's bytes, then its info (the info names the bytes it was written for by ETag). */
async function writePart(dir: string, n: number, bytes: Buffer, checksums: Record<string, string>) {
  const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
  await writeDurable(partFile(dir, n), bytes)
  await writeDurable(`${partFile(dir, n)}.json`, JSON.stringify({ etag, checksums } satisfies PartInfo))
  return etag
}

export async function uploadPart(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir } = await readUpload(ctx, call)
  const n = partNumberOf(call)
  const { bytes, checksums } = readPayload(call.headers, call.body)
  const stored = checksumsToStore(checksums)
  const etag = await writePart(dir, n, bytes, stored)
  return { status: 200, headers: { etag, ...checksumHeaders(stored) }, body: Buffer.alloc(0) }
}

/** `bytes=first-last` of x-amz-copy-source-range, checked against the source's size. */
function copyRange(text: string | undefined, size: number): [number, number] | undefined {
  if (text === undefined) return undefined
  const match = /^bytes=(\d+)-(\d+)$/.exec(text.trim())
  if (!match)
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: text },
    )
  const first = Number(match[1])
  const last = Number(match[2])
  if (first > last || last >= size)
    throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, {
      ArgumentName: 'x-amz-copy-source-range',
      ArgumentValue: text,
    })
  return [first, last]
}

/** UploadPartCopy: a part made of (a range of) an existing object. */
export async function uploadPartCopy(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir } = await readUpload(ctx, call)
  const n = partNumberOf(call)
  const source = parseCopySource(header(call.headers, 'x-amz-copy-source')!)
  const head = await readHead(ctx, source.bucket, source.key)
  checkConditions(head, requestConditions(call.headers, 'x-amz-copy-source-'), 'PreconditionFailed')
  const range = copyRange(header(call.headers, 'x-amz-copy-source-range'), head.size)
  const object = await ctx.store.getObject(source.bucket, source.key)
  const bytes = range ? object.body.subarray(range[0], range[1] + 1) : object.body
  const etag = await writePart(dir, n, bytes, {})
  return xmlReply('CopyPartResult', { LastModified: new Date(ctx.now()).toISOString(), ETag: etag })
}

export async function readPartInfo(path: string): Promise<PartInfo | undefined> {
  return readFile(`${path}.json`, 'utf8')
    .then((text) => JSON.parse(text) as PartInfo)
    .catch(() => undefined)
}

export async function parts(dir: string): Promise<{ n: number; path: string }[]> {
  return (await readdir(dir))
    .filter((name) => /^part-\d{5}$/.test(name))
    .map((name) => ({ n: Number(name.slice(5)), path: join(dir, name) }))
    .sort((a, b) => a.n - b.n)
}

/**
 * S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts, then `-<parts>`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  return `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}"`
}

/**
 * The composite checksum of an upload whose every part carried the same algorithm's checksum:
 * that algorithm over the concatenated binary part checksums, then `-<parts>` (S3's COMPOSITE).
 */
function compositeChecksums(upload: Upload, infos: readonly (PartInfo | undefined)[]) {
  const algorithms = upload.checksumAlgorithm
    ? [upload.checksumAlgorithm]
    : Object.keys(infos[0]?.checksums ?? {}).filter((a) => a !== 'crc64nvme')
  const out: Record<string, string> = {}
  for (const algorithm of algorithms) {
    const values = infos.map((info) => info?.checksums[algorithm])
    if (values.some((v) => v === undefined)) continue
    const joined = Buffer.concat(values.map((v) => Buffer.from(v!, 'base64')))
    out[algorithm] = `${CHECKSUMS[algorithm]!(joined)}-${values.length}`
  }
  return out
}

const malformed = () =>
  new S3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  )

export async function completeMultipartUpload(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir, upload } = await readUpload(ctx, call)
  const text = readPayload(call.headers, call.body).bytes.toString('utf8')
  const listed = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => {
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)
    if (!n || !etag) throw malformed()
    return { n: Number(n[1]), etag: unescapeXml(etag[1]!).trim().replace(/^"|"$/g, '') }
  })
  if (listed.length === 0) throw malformed()
  const stored = new Map((await parts(dir)).map((p) => [p.n, p.path]))
  const bodies: Buffer[] = []
  const md5s: Buffer[] = []
  const infos: (PartInfo | undefined)[] = []
  let previous = 0
  for (const [i, part] of listed.entries()) {
    if (part.n <= previous)
      throw new S3Error(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. Parts must be ordered by part number.',
      )
    previous = part.n
    const path = stored.get(part.n)
    const body = path ? await readFile(path) : undefined
    const md5 = body ? createHash('md5').update(body).digest() : undefined
    if (!body || !md5 || md5.toString('hex') !== part.etag)
      throw new S3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: call.query.get('uploadId')!, PartNumber: String(part.n), ETag: part.etag },
      )
    if (i < listed.length - 1 && body.length < MIN_PART_BYTES)
      throw new S3Error(
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed object size.',
        {
          PartNumber: String(part.n),
          MinSizeAllowed: String(MIN_PART_BYTES),
          ProposedSize: String(body.length),
        },
      )
    const info = await readPartInfo(path!)
    infos.push(info?.etag === `"${part.etag}"` ? info : undefined)
    bodies.push(body)
    md5s.push(md5)
  }
  const checksums = compositeChecksums(upload, infos)
  // A refused condition leaves the upload in place, its parts still there to complete later.
  const precondition = writePrecondition(call.headers)
  const { etag } = await ctx.store.putObject(call.bucket!, call.key!, Buffer.concat(bodies), {
    ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
    ...(upload.contentEncoding !== undefined ? { contentEncoding: upload.contentEncoding } : {}),
    metadata: upload.metadata,
    etag: multipartEtag(md5s),
    checksums,
    eventName: 'ObjectCreated:CompleteMultipartUpload',
    ...(precondition ? { precondition } : {}),
  })
  await rm(dir, { recursive: true, force: true })
  const checksumElements: XmlNode = {}
  for (const [algorithm, value] of Object.entries(checksums))
    checksumElements[`Checksum${algorithm.toUpperCase()}`] = value
  return xmlReply('CompleteMultipartUploadResult', {
    Location: `/${call.bucket}/${call.key}`,
    Bucket: call.bucket,
    Key: call.key,
    ETag: etag,
    ...checksumElements,
    ...(Object.keys(checksums).length > 0 ? { ChecksumType: 'COMPOSITE' } : {}),
  })
}

export async function abortMultipartUpload(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir } = await readUpload(ctx, call)
  await rm(dir, { recursive: true, force: true })
  return { status: 204, headers: {}, body: Buffer.alloc(0) }
}
