/**
 * Partition values are data, never paths (DESIGN §4). Firehose pastes a key's value into the S3
 * key verbatim; on S3 `..` or `/` is just a character, but Tributary's lake is a directory tree,
 * so a value must never be able to add, remove or escape a path segment. Unsafe values are not
 * rewritten (that would make local layouts differ from AWS); the record goes to the error prefix
 * with a reason instead. The whole rendered key is checked again by the bucket store's
 * `checkObjectKey`.
 */

/**
 * Longest accepted value, in UTF-8 bytes. A value becomes (part of) one directory name, and
 * common file systems cap a name at 255 bytes (ext4, XFS, APFS, NTFS in UTF-16 units); Hive-style
 * prefixes put `key=` in the same segment, so 200 bytes leaves room for a key. The evaluated
 * prefix as a whole is capped at 512 characters by Firehose and the S3 key at 1,024 bytes.
 */
export const MAX_PARTITION_VALUE_BYTES = 200

export type PartitionValueReason =
  | 'not-a-string'
  | 'empty'
  | 'blank'
  | 'too-long'
  | 'invalid-unicode'
  | 'dot-segment'
  | 'path-separator'
  | 'control-character'
  | 'invisible-character'
  | 'encoded-path'

export type PartitionValueCheck =
  | { ok: true; value: string }
  | { ok: false; reason: PartitionValueReason; message: string }

// Bidirectional overrides/isolates/marks, zero-width characters, BOM, line/paragraph separators:
// they make a listing lie about what a key is (e.g. "U+202E" reversing `gpj.exe`).
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u
const SEPARATOR = /[/\\]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
// Percent-decoding is repeated this many times to catch double encoding (`%252e%252e`).
const DECODE_ROUNDS = 3

/**
 * Checks one partition key value before it is rendered into a prefix.
 *
 * @example
 * checkPartitionValue('eu-west-1') // { ok: true, value: 'eu-west-1' }
 * checkPartitionValue('../etc')    // { ok: false, reason: 'path-separator', ... }
 */
export function checkPartitionValue(value: unknown): PartitionValueCheck {
  if (typeof value !== 'string') return fail('not-a-string', `must be a string, got ${typeof value}`)
  if (value.length === 0) return fail('empty', 'must not be empty')
  if (value.trim().length === 0) return fail('blank', 'must not be only whitespace')
  if (LONE_SURROGATE.test(value)) return fail('invalid-unicode', 'contains an unpaired UTF-16 surrogate')
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > MAX_PARTITION_VALUE_BYTES) {
    return fail('too-long', `is ${bytes} bytes; the limit is ${MAX_PARTITION_VALUE_BYTES} UTF-8 bytes`)
  }
  const direct = checkPathSafety(value)
  if (direct) return direct
  // Values that only become dangerous after a decoder or Unicode normalisation runs (a browser,
  // a sync tool, a later NFKC pass) are refused too: `%2e%2e`, `%2F`, fullwidth `／`, `．．`.
  for (const variant of variants(value)) {
    const hit = checkPathSafety(variant)
    if (hit)
      return fail(
        'encoded-path',
        `decodes or normalises to a ${hit.reason} value (${JSON.stringify(variant)})`,
      )
  }
  return { ok: true, value }
}

function checkPathSafety(value: string): (PartitionValueCheck & { ok: false }) | undefined {
  if (value === '.' || value === '..') return fail('dot-segment', `must not be "${value}"`)
  if (SEPARATOR.test(value)) return fail('path-separator', 'must not contain "/" or "\\"')
  if (hasControlCharacter(value)) return fail('control-character', 'must not contain control characters')
  if (INVISIBLE.test(value)) {
    return fail('invisible-character', 'must not contain bidirectional or zero-width characters')
  }
  return undefined
}

/** C0 controls, DEL and C1 controls. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

function variants(value: string): string[] {
  const out: string[] = []
  const normalised = value.normalize('NFKC')
  if (normalised !== value) out.push(normalised)
  let current = value
  for (let round = 0; round < DECODE_ROUNDS && current.includes('%'); round++) {
    const decoded = percentDecode(current)
    if (decoded === current) break
    out.push(decoded, decoded.normalize('NFKC'))
    current = decoded
  }
  return out
}

/** Decodes every well-formed `%XX` escape as UTF-8 bytes; malformed ones (`100%`) stay as they are. */
function percentDecode(value: string): string {
  const bytes: number[] = []
  for (let i = 0; i < value.length; ) {
    const hex = value[i] === '%' ? /^[0-9a-fA-F]{2}$/.exec(value.slice(i + 1, i + 3)) : null
    if (hex) {
      bytes.push(Number.parseInt(hex[0], 16))
      i += 3
    } else {
      const char = String.fromCodePoint(value.codePointAt(i)!)
      bytes.push(...Buffer.from(char, 'utf8'))
      i += char.length
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

function fail(reason: PartitionValueReason, message: string): PartitionValueCheck & { ok: false } {
  return { ok: false, reason, message: `Partition key value ${message}` }
}
