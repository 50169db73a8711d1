/**
 * ListParts and ListMultipartUploads: the parts of an upload in progress and the uploads of a
 * bucket, paged as S3 pages them.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { compareKeys } from '../../lake/buckets/object-key.ts'
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import {
  MAX_PART_NUMBER,
  OWNER_ID,
  parts,
  readPartInfo,
  readUpload,
  type Upload,
  uploadsDir,
  xmlReply,
} from './multipart.ts'
import { S3Error, type XmlNode } from './xml.ts'

/** A non-negative integer query parameter (S3's InvalidArgument otherwise), capped at `max`. */
function intParam(query: URLSearchParams, name: string, fallback: number, max = 1000): number {
  const text = query.get(name)
  if (text === null) return fallback
  if (!/^\d+$/.test(text))
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: text,
    })
  return Math.min(Number(text), max)
}

export async function listParts(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { id, dir, upload } = await readUpload(ctx, call)
  const maxParts = intParam(call.query, 'max-parts', 1000)
  const marker = intParam(call.query, 'part-number-marker', 0, MAX_PART_NUMBER)
  const after = (await parts(dir)).filter((p) => p.n > marker)
  const page = after.slice(0, maxParts)
  const truncated = after.length > page.length
  const entries: XmlNode[] = []
  for (const part of page) {
    const info = await stat(part.path)
    const stored = await readPartInfo(part.path)
    const etag =
      stored?.etag ??
      `"${createHash('md5')
        .update(await readFile(part.path))
        .digest('hex')}"`
    const checksums: XmlNode = {}
    for (const [algorithm, value] of Object.entries(stored?.checksums ?? {}))
      checksums[`Checksum${algorithm.toUpperCase()}`] = value
    entries.push({
      PartNumber: part.n,
      LastModified: new Date(info.mtimeMs).toISOString(),
      ETag: etag,
      Size: info.size,
      ...checksums,
    })
  }
  return xmlReply('ListPartsResult', {
    Bucket: call.bucket,
    Key: call.key,
    UploadId: id,
    PartNumberMarker: marker,
    NextPartNumberMarker: truncated ? page.at(-1)!.n : undefined,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: entries,
    Initiator: { ID: OWNER_ID, DisplayName: 'tributary' },
    Owner: { ID: OWNER_ID, DisplayName: 'tributary' },
    StorageClass: 'STANDARD',
    ChecksumAlgorithm: upload.checksumAlgorithm?.toUpperCase(),
  })
}

type Listed = { id: string; upload: Upload } | { commonPrefix: string }

/**
 * ListMultipartUploads: the bucket's uploads in progress ordered by key (UTF-8 bytes), then
 * initiation, from after `key-marker` (and, for that key, after `upload-id-marker`),
 * `max-uploads` entries a page; with a `delimiter`, the keys beneath a `CommonPrefixes` entry are
 * rolled into it (one entry of the page, as S3 counts it).
 */
export async function listMultipartUploads(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  const { query } = call
  const prefix = query.get('prefix') ?? ''
  const delimiter = query.get('delimiter') || undefined
  const keyMarker = query.get('key-marker') ?? ''
  const uploadIdMarker = keyMarker === '' ? '' : (query.get('upload-id-marker') ?? '')
  const maxUploads = intParam(query, 'max-uploads', 1000)
  const ids = await readdir(uploadsDir(ctx)).catch(() => [] as string[])
  const all: { id: string; upload: Upload }[] = []
  for (const id of ids) {
    const upload = await readFile(join(uploadsDir(ctx), id, 'upload.json'), 'utf8')
      .then((text) => JSON.parse(text) as Upload)
      .catch(() => undefined)
    if (!upload || upload.bucket !== call.bucket || !upload.key.startsWith(prefix)) continue
    const order = compareKeys(upload.key, keyMarker)
    if (order < 0 || (order === 0 && (uploadIdMarker === '' || id <= uploadIdMarker))) continue
    all.push({ id, upload })
  }
  all.sort((a, b) => compareKeys(a.upload.key, b.upload.key) || (a.id < b.id ? -1 : 1))
  const listed: Listed[] = []
  for (const entry of all) {
    const rest = entry.upload.key.slice(prefix.length)
    const at = delimiter === undefined ? -1 : rest.indexOf(delimiter)
    if (at < 0) {
      listed.push(entry)
      continue
    }
    const commonPrefix = prefix + rest.slice(0, at + delimiter!.length)
    // A key-marker that is a common prefix resumes after everything beneath it.
    if (commonPrefix === keyMarker) continue
    const last = listed.at(-1)
    if (!(last && 'commonPrefix' in last && last.commonPrefix === commonPrefix)) listed.push({ commonPrefix })
  }
  const page = listed.slice(0, maxUploads)
  const truncated = listed.length > page.length
  const last = page.at(-1)
  const uploads = page.filter((e): e is { id: string; upload: Upload } => 'upload' in e)
  return xmlReply('ListMultipartUploadsResult', {
    Bucket: call.bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: truncated && last ? ('upload' in last ? last.upload.key : last.commonPrefix) : undefined,
    NextUploadIdMarker: truncated && last && 'upload' in last ? last.id : undefined,
    Delimiter: delimiter,
    Prefix: prefix,
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Upload: uploads.map(({ id, upload }) => ({
      Key: upload.key,
      UploadId: id,
      Initiator: { ID: OWNER_ID, DisplayName: 'tributary' },
      Owner: { ID: OWNER_ID, DisplayName: 'tributary' },
      StorageClass: 'STANDARD',
      Initiated: new Date(upload.initiated).toISOString(),
      ChecksumAlgorithm: upload.checksumAlgorithm?.toUpperCase(),
    })),
    CommonPrefixes: page.flatMap((e) => ('commonPrefix' in e ? [{ Prefix: e.commonPrefix }] : [])),
  })
}
