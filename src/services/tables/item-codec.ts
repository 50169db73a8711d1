import { type Item, type JsonValue, makeSet, setAttribute, setType } from './values.ts'

/*
 * How an item is stored in the state store's `item` column.
 *
 * An item of S, N, BOOL, NULL, L and M values only is stored as its JSON text, as every item
 * was before B and the sets existed: such rows (old and new) start with `{`.
 *
 * An item holding a B or a set is stored as `T` followed by JSON in which
 *   - B is `{"\u0000B": "<base64>"}`,
 *   - SS / NS / BS are `{"\u0000SS": [...]}`, `{"\u0000NS": [numbers]}`, `{"\u0000BS": ["<base64>", ...]}`,
 *   - a map key (or attribute name) that starts with U+0000 gets one more U+0000 in front,
 * so a one-key object whose key is one of the four tags is always a typed value and never a map
 * the item holds: the encoding is lossless for every item, whatever its attribute names.
 */

const TYPED_PREFIX = 'T'
const ESC = '\u0000'
const TAGS = new Set([`${ESC}B`, `${ESC}SS`, `${ESC}NS`, `${ESC}BS`])

function needsTags(value: JsonValue): boolean {
  if (value === null || typeof value !== 'object') return false
  if (value instanceof Uint8Array || value instanceof Set) return true
  if (Array.isArray(value)) return value.some(needsTags)
  for (const [key, member] of Object.entries(value)) {
    if (key.startsWith(ESC) || needsTags(member)) return true
  }
  return false
}

const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')

function tagged(value: JsonValue): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return { [`${ESC}B`]: base64(value) }
  if (value instanceof Set) {
    const type = setType(value)
    const elements = [...(value as Set<string | number | Uint8Array>)]
    return {
      [ESC + type]: type === 'BS' ? elements.map((e) => base64(e as Uint8Array)) : elements,
    }
  }
  if (Array.isArray(value)) return value.map(tagged)
  const out: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(value)) {
    setAttribute(out, key.startsWith(ESC) ? ESC + key : key, tagged(member))
  }
  return out
}

function untagged(value: unknown): JsonValue {
  if (value === null || typeof value !== 'object') return value as JsonValue
  if (Array.isArray(value)) return value.map(untagged)
  const entries = Object.entries(value)
  if (entries.length === 1 && TAGS.has(entries[0]![0])) {
    const [tag, data] = entries[0]!
    if (tag === `${ESC}B`) return new Uint8Array(Buffer.from(data as string, 'base64'))
    const type = tag.slice(1) as 'SS' | 'NS' | 'BS'
    const elements = data as (string | number)[]
    return makeSet(
      type,
      type === 'BS' ? elements.map((e) => new Uint8Array(Buffer.from(e as string, 'base64'))) : elements,
    )
  }
  const out: Record<string, JsonValue> = {}
  for (const [key, member] of entries) {
    setAttribute(out, key.startsWith(ESC) ? key.slice(1) : key, untagged(member))
  }
  return out
}

/** An item as the `item` column holds it. */
export function encodeItem(item: Item): string {
  if (!needsTags(item)) return JSON.stringify(item)
  return TYPED_PREFIX + JSON.stringify(tagged(item))
}

/** An `item` column's text as the item it holds (rows written before B and sets read as they were). */
export function decodeItem(text: string): Item {
  if (!text.startsWith(TYPED_PREFIX)) return JSON.parse(text) as Item
  return untagged(JSON.parse(text.slice(TYPED_PREFIX.length))) as Item
}
