/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts and ListMultipartUploads. Parts wait in
 * `<lake>/.multipart/<uploadId>/` (outside every bucket: `.`-prefixed names are never buckets);
 * completing one puts the concatenated parts through the bucket store, so the object is written
 * and announced like any other put.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import { readPayload } from './payload.ts'
import { S3Error, unescapeXml, type XmlNode, xmlDocument } from './xml.ts'

/** S3's smallest part, but for the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024
const MAX_PART_NUMBER = 10_000

interface Upload {
  bucket: string
  key: string
  initiated: number
  contentType?: string
  contentEncoding?: string
  metadata: Record<string, string>
}

const xmlReply = (root: string, body: XmlNode): AwsResponse => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: xmlDocument(root, body),
})

const uploadsDir = (ctx: S3Context) => join(ctx.lakeRoot, '.multipart')

const noSuchUpload = (uploadId: string) =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  )

async function readUpload(
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
  const id = randomUUID().replace(/-/g, '')
  const dir = join(uploadsDir(ctx), id)
  await mkdir(dir, { recursive: true })
  const record: Upload = { bucket: call.bucket!, key: call.key!, initiated: ctx.now(), ...upload }
  await writeFile(join(dir, 'upload.json'), JSON.stringify(record))
  return xmlReply('InitiateMultipartUploadResult', { Bucket: call.bucket, Key: call.key, UploadId: id })
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

export async function uploadPart(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir } = await readUpload(ctx, call)
  const n = partNumberOf(call)
  const { bytes, checksums } = readPayload(call.headers, call.body)
  await writeFile(join(dir, `part-${String(n).padStart(5, '0')}`), bytes)
  const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
  return { status: 200, headers: { etag, ...checksums }, body: Buffer.alloc(0) }
}

async function parts(dir: string): Promise<{ n: number; path: string }[]> {
  return (await readdir(dir))
    .filter((name) => /^part-\d{5}$/.test(name))
    .map((name) => ({ n: Number(name.slice(5)), path: join(dir, name) }))
    .sort((a, b) => a.n - b.n)
}

export async function completeMultipartUpload(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir, upload } = await readUpload(ctx, call)
  const text = readPayload(call.headers, call.body).bytes.toString('utf8')
  const malformed = () =>
    new S3Error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    )
  const listed = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => {
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)
    if (!n || !etag) throw malformed()
    return { n: Number(n[1]), etag: unescapeXml(etag[1]!).trim().replace(/^"|"$/g, '') }
  })
  if (listed.length === 0) throw malformed()
  const stored = new Map((await parts(dir)).map((p) => [p.n, p.path]))
  const bodies: Buffer[] = []
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
    const invalid = () =>
      new S3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: call.query.get('uploadId')!, PartNumber: String(part.n), ETag: part.etag },
      )
    if (!body || createHash('md5').update(body).digest('hex') !== part.etag) throw invalid()
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
    bodies.push(body)
  }
  const { etag } = await ctx.store.putObject(call.bucket!, call.key!, Buffer.concat(bodies), {
    ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
    ...(upload.contentEncoding !== undefined ? { contentEncoding: upload.contentEncoding } : {}),
    metadata: upload.metadata,
  })
  await rm(dir, { recursive: true, force: true })
  return xmlReply('CompleteMultipartUploadResult', {
    Location: `/${call.bucket}/${call.key}`,
    Bucket: call.bucket,
    Key: call.key,
    ETag: etag,
  })
}

export async function abortMultipartUpload(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { dir } = await readUpload(ctx, call)
  await rm(dir, { recursive: true, force: true })
  return { status: 204, headers: {}, body: Buffer.alloc(0) }
}

export async function listParts(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { id, dir } = await readUpload(ctx, call)
  const entries = []
  for (const part of await parts(dir)) {
    const body = await readFile(part.path)
    const info = await stat(part.path)
    entries.push({
      PartNumber: part.n,
      LastModified: new Date(info.mtimeMs).toISOString(),
      ETag: `"${createHash('md5').update(body).digest('hex')}"`,
      Size: body.length,
    })
  }
  return xmlReply('ListPartsResult', {
    Bucket: call.bucket,
    Key: call.key,
    UploadId: id,
    StorageClass: 'STANDARD',
    IsTruncated: false,
    Part: entries,
  })
}

export async function listMultipartUploads(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const prefix = call.query.get('prefix') ?? ''
  const ids = await readdir(uploadsDir(ctx)).catch(() => [] as string[])
  const uploads: XmlNode[] = []
  for (const id of ids.sort()) {
    const upload = await readFile(join(uploadsDir(ctx), id, 'upload.json'), 'utf8')
      .then((text) => JSON.parse(text) as Upload)
      .catch(() => undefined)
    if (!upload || upload.bucket !== call.bucket || !upload.key.startsWith(prefix)) continue
    uploads.push({
      Key: upload.key,
      UploadId: id,
      Initiated: new Date(upload.initiated).toISOString(),
      StorageClass: 'STANDARD',
    })
  }
  return xmlReply('ListMultipartUploadsResult', {
    Bucket: call.bucket,
    Prefix: prefix,
    IsTruncated: false,
    Upload: uploads,
  })
}
