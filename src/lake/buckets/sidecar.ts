import { constants } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { BucketError, invalidArgument } from './errors.ts'

/**
 * What S3 keeps beside an object's bytes. Stored as one small JSON file per object in a sidecar
 * tree outside the buckets, under a name no data reader picks up (see sidecar-layout.ts), and it
 * survives restarts like the data does.
 *
 * A sidecar is valid only for the data file it was written with: it records that file's inode
 * number, mtime and size. The data file is renamed into place after its sidecar, so a crash in between
 * leaves a sidecar naming an inode that is not there, which readers detect and ignore (they then
 * report S3's defaults and an ETag computed from the bytes).
 */
export interface Sidecar {
  v: 1
  /** Inode number (decimal string: 64-bit inode numbers do not fit a double). */
  ino: string
  /** The data file's mtime in ns (decimal string): a rewrite in place, or inode reuse, changes it. */
  mtimeNs: string
  size: number
  /** Quoted MD5 hex, as S3's ETag header. */
  etag: string
  contentType: string
  contentEncoding?: string
  metadata: Record<string, string>
  /** Epoch ms of the put. */
  lastModified: number
  /** Flexible checksums given with the put (algorithm → base64), when there were any. */
  checksums?: Record<string, string>
}

/** S3: "the user-defined metadata is limited to 2 KB in size", counted as UTF-8 bytes of keys and values. */
export const MAX_METADATA_BYTES = 2048
/** What S3 stores when a PUT names no Content-Type. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream'

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: header values cannot carry these
const HEADER_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f]/

/**
 * Validates user metadata as S3 would receive it through `x-amz-meta-*` headers: names are
 * lower-cased HTTP tokens, values are strings without control characters, 2 KB in all.
 */
export function normalizeMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined || metadata === null) return {}
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalidArgument('metadata must be an object of string values')
  }
  const out: Record<string, string> = {}
  let bytes = 0
  for (const [rawName, value] of Object.entries(metadata)) {
    const name = rawName.toLowerCase()
    if (!TOKEN.test(name)) throw invalidArgument(`metadata name '${rawName}' is not a valid HTTP header name`)
    if (typeof value !== 'string') throw invalidArgument(`metadata '${rawName}' must be a string`)
    if (HEADER_UNSAFE.test(value)) {
      throw invalidArgument(`metadata '${rawName}' contains a control character`)
    }
    out[name] = value
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8')
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new BucketError(
      'MetadataTooLarge',
      `Your metadata headers exceed the maximum allowed metadata size (${bytes} > ${MAX_METADATA_BYTES} bytes).`,
    )
  }
  return out
}

/** Content-Type / Content-Encoding: optional header values. */
export function headerValue(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '' || HEADER_UNSAFE.test(value)) {
    throw invalidArgument(`${name} must be a non-empty string without control characters`)
  }
  return value
}

/** Reads a sidecar without following a symbolic link; undefined when absent or unreadable. */
export async function readSidecar(path: string): Promise<Sidecar | undefined> {
  let text: string
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      text = await readFile(handle, 'utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EISDIR') return undefined
    throw error
  }
  try {
    const parsed = JSON.parse(text) as Sidecar
    return parsed?.v === 1 ? parsed : undefined
  } catch (error) {
    // A torn or foreign sidecar is not fatal: the object falls back to S3's defaults.
    if (error instanceof SyntaxError) return undefined
    throw error
  }
}
