import type { JsonValue } from './values.ts'
import { isPlainObject, setType } from './values.ts'

/*
 * Items as plain JSON, for readers that speak JSON only (the dashboard): B and the sets are
 * written in DynamoDB's own notation, `{"B": "<base64>"}`, `{"SS": [...]}`, `{"NS": [...]}`,
 * `{"BS": ["<base64>", ...]}`; every other value is JSON already.
 */

const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')

/** A value (an item, a key) with its B and set values in DynamoDB's JSON notation. */
export function toPlainJson(value: JsonValue): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return { B: base64(value) }
  if (value instanceof Set) {
    const type = setType(value)
    const elements = [...(value as Set<string | number | Uint8Array>)]
    return { [type]: type === 'BS' ? elements.map((e) => base64(e as Uint8Array)) : elements }
  }
  if (Array.isArray(value)) return value.map(toPlainJson)
  const out: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(value)) {
    Object.defineProperty(out, name, {
      value: toPlainJson(member),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

/** A key given as plain JSON: `{"B": "<base64>"}` values are binary key values again. */
export function keyFromPlainJson(key: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(key)) {
    const binary =
      isPlainObject(value) && Object.keys(value).length === 1 && typeof value.B === 'string'
        ? new Uint8Array(Buffer.from(value.B, 'base64'))
        : value
    Object.defineProperty(out, name, { value: binary, enumerable: true, writable: true, configurable: true })
  }
  return out
}
