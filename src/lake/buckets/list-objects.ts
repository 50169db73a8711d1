import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { invalidArgument } from './errors.ts'
import { checkObjectKey, checkSegment, compareKeys } from './object-key.ts'

/** ListObjectsV2's options, camelCased. */
export interface ListObjectsOptions {
  prefix?: string
  delimiter?: string
  /** 1-1000, default 1000 (S3 returns at most 1000 whatever is asked). */
  maxKeys?: number
  continuationToken?: string
  /** Ignored when `continuationToken` is given, as in S3. */
  startAfter?: string
}

/** S3 returns at most 1,000 keys per ListObjectsV2 page. */
export const MAX_LIST_KEYS = 1000

/** One page of keys and common prefixes, in UTF-8 byte order, before sizes and ETags are added. */
export interface KeyPage {
  keys: string[]
  commonPrefixes: string[]
  isTruncated: boolean
  nextContinuationToken?: string
}

interface Cursor {
  /** Everything up to and including this key (or, when `afterIsPrefix`, under this prefix) is done. */
  after?: string
  afterIsPrefix: boolean
}

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ a: cursor.after, p: cursor.afterIsPrefix ? 1 : 0 })).toString(
    'base64url',
  )
}

function decodeToken(token: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      a?: unknown
      p?: unknown
    }
    if (typeof parsed.a === 'string') return { after: parsed.a, afterIsPrefix: parsed.p === 1 }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
  }
  throw invalidArgument('The continuation token provided is incorrect')
}

function optionalString(name: string, value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string`)
  return value
}

/** Resolves the S3 options to a starting cursor and a page size, with S3's checks. */
function parseOptions(options: ListObjectsOptions) {
  const prefix = optionalString('prefix', options.prefix)
  const delimiter = optionalString('delimiter', options.delimiter)
  const maxKeys = options.maxKeys ?? MAX_LIST_KEYS
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw invalidArgument('Provided max-keys not an integer or within integer range')
  }
  const cursor: Cursor =
    options.continuationToken !== undefined
      ? decodeToken(optionalString('continuationToken', options.continuationToken))
      : { after: optionalString('startAfter', options.startAfter) || undefined, afterIsPrefix: false }
  return { prefix, delimiter, limit: Math.min(maxKeys, MAX_LIST_KEYS), cursor }
}

/**
 * ListObjectsV2 over a directory tree. Directory entries are visited in the order of
 * `name + '/'` for directories and `name` for files, which is exactly the UTF-8 byte order of the
 * keys beneath them, so the walk yields keys already sorted and can stop after one page. Subtrees
 * entirely before the cursor or outside the prefix are never read. Symbolic links and files whose
 * path is not a valid key (written by other tools) are not objects and are skipped.
 */
export async function listKeys(bucketDir: string, options: ListObjectsOptions): Promise<KeyPage> {
  const { prefix, delimiter, limit, cursor } = parseOptions(options)
  const page: KeyPage = { keys: [], commonPrefixes: [], isTruncated: false }
  if (limit === 0) return page
  let count = 0
  let last: Cursor = cursor
  /** Keys under the latest common prefix are folded into it and need not be read. */
  let folded: string | undefined

  const before = (key: string) =>
    cursor.after !== undefined &&
    ((cursor.afterIsPrefix && key.startsWith(cursor.after)) || compareKeys(key, cursor.after) <= 0)

  // Returns true when the page is full and one more entry proved it truncated.
  const take = (key: string): boolean => {
    if (folded !== undefined && key.startsWith(folded)) return false
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1
    const entry = at >= 0 ? key.slice(0, at + delimiter.length) : key
    if (count === limit) {
      page.isTruncated = true
      return true
    }
    count++
    if (at >= 0) {
      page.commonPrefixes.push(entry)
      folded = entry
      last = { after: entry, afterIsPrefix: true }
    } else {
      page.keys.push(entry)
      last = { after: entry, afterIsPrefix: false }
    }
    return false
  }

  const skipDir = (dirKey: string) => {
    if (!dirKey.startsWith(prefix) && !prefix.startsWith(dirKey)) return true
    if (folded !== undefined && dirKey.startsWith(folded)) return true
    const after = cursor.after
    if (after === undefined) return false
    if (cursor.afterIsPrefix && dirKey.startsWith(after)) return true
    return compareKeys(dirKey, after) < 0 && !after.startsWith(dirKey)
  }

  const walk = async (dir: string, keyPrefix: string): Promise<boolean> => {
    let entries: Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (error) {
      // A folder emptied and removed while listing (S3 lists a snapshot-ish view as well).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    const items = entries
      .filter((e) => (e.isFile() || e.isDirectory()) && checkSegment(e.name) === undefined)
      .map((e) => ({
        name: e.name,
        isDir: e.isDirectory(),
        key: keyPrefix + e.name + (e.isDirectory() ? '/' : ''),
      }))
      .sort((a, b) => compareKeys(a.key, b.key))
    for (const item of items) {
      if (item.isDir) {
        if (!skipDir(item.key) && (await walk(join(dir, item.name), item.key))) return true
      } else if (
        item.key.startsWith(prefix) &&
        !before(item.key) &&
        checkObjectKey(item.key).ok &&
        take(item.key)
      ) {
        return true
      }
    }
    return false
  }

  await walk(bucketDir, '')
  if (page.isTruncated) page.nextContinuationToken = encodeToken(last)
  return page
}
