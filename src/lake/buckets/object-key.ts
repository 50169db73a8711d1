/**
 * Object keys as file paths. S3 accepts any UTF-8 key up to 1024 bytes; a key here is also a
 * relative path under `<root>/<bucket>/`, so each `/`-separated segment must be one ordinary file
 * name. The rules are deliberately stricter than S3's where S3's would let a key escape the bucket
 * directory or collide with the filesystem's own names.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */

/** S3: "The name for a key is a sequence of Unicode characters whose UTF-8 encoding is at most 1,024 bytes long." */
export const MAX_KEY_BYTES = 1024
/** NAME_MAX of Linux filesystems (ext4, xfs, btrfs, tmpfs). */
export const MAX_SEGMENT_BYTES = 255

export type KeyCheck =
  | { ok: true }
  | { ok: false; reason: string; code: 'InvalidArgument' | 'KeyTooLongError' }

// C0 controls, DEL and C1 controls: invisible in listings and hostile to shells and terminals.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u
// With the `u` flag a surrogate class matches only unpaired halves, which UTF-8 cannot encode.
const LONE_SURROGATE = /[\ud800-\udfff]/u

const refuse = (reason: string): KeyCheck => ({ ok: false, reason, code: 'InvalidArgument' })

/** Why one path segment is not a plain file name, or undefined when it is. */
export function checkSegment(segment: string): string | undefined {
  if (segment === '.' || segment === '..') return `segment '${segment}' would leave its directory`
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
    return `segment of ${Buffer.byteLength(segment, 'utf8')} bytes is over the ${MAX_SEGMENT_BYTES}-byte file name limit`
  }
  return undefined
}

/**
 * Checks that `key` is a valid object key that maps to a path strictly inside its bucket
 * directory. Pure: no filesystem access (the store also refuses symbolic links on the way).
 * Percent signs are ordinary characters: `%2e%2e` is never decoded, so it names a file literally
 * called `%2e%2e`.
 *
 * @example
 * checkObjectKey('raw/year=2026/part-0001.json.gz') // { ok: true }
 * checkObjectKey('a/../../etc/passwd') // { ok: false, reason: "segment '..' would leave its directory", ... }
 */
export function checkObjectKey(key: unknown): KeyCheck {
  if (typeof key !== 'string') return refuse('key must be a string')
  if (key.length === 0) return refuse('key must not be empty')
  if (LONE_SURROGATE.test(key)) return refuse('key is not valid Unicode (unpaired surrogate)')
  const bytes = Buffer.byteLength(key, 'utf8')
  if (bytes > MAX_KEY_BYTES) {
    return {
      ok: false,
      reason: `key of ${bytes} bytes is over the ${MAX_KEY_BYTES}-byte limit`,
      code: 'KeyTooLongError',
    }
  }
  if (CONTROL.test(key)) return refuse('key contains a control character (NUL, newline, ...)')
  if (key.includes('\\')) return refuse('key contains a backslash')
  if (key.startsWith('/')) return refuse("key starts with '/' (an absolute path)")
  if (key.endsWith('/')) return refuse("key ends with '/' (folder placeholder objects are not supported)")
  for (const segment of key.split('/')) {
    if (segment === '') return refuse("key contains an empty segment ('//')")
    const problem = checkSegment(segment)
    if (problem) return refuse(`key ${problem}`)
  }
  return { ok: true }
}

/** Orders keys as S3 lists them: by the bytes of their UTF-8 encoding (= by code point). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
