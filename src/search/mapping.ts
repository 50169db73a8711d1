import { invalidFormat, parseFormatted } from './date-format.ts'
import { mapperParsing } from './errors.ts'

/**
 * Field types and mappings, as OpenSearch/Elasticsearch 7 spell them. A mapping's leaves are
 * stored four ways: `text` in the full-text index (FTS5), `keyword` as a string column, the numeric
 * types and `date` (epoch milliseconds) as number columns, `boolean` as 0/1.
 */
export const NUMERIC_TYPES = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
])
const LEAF_TYPES = new Set([...NUMERIC_TYPES, 'text', 'keyword', 'date', 'boolean', 'match_only_text'])

/** How a leaf field is stored and compared. */
export type Storage = 'text' | 'keyword' | 'number' | 'date' | 'boolean'

export function storageOf(type: string): Storage {
  if (type === 'text' || type === 'match_only_text') return 'text'
  if (type === 'keyword') return 'keyword'
  if (type === 'date') return 'date'
  if (type === 'boolean') return 'boolean'
  return 'number'
}

/** One property of a mapping (`{"type":"text","fields":{"keyword":{...}}}` or an object's `properties`). */
export interface Property {
  type?: string
  properties?: Record<string, Property>
  fields?: Record<string, Property>
  ignore_above?: number
  format?: string
  [other: string]: unknown
}

export interface Mapping {
  dynamic?: boolean | 'strict' | 'true' | 'false'
  properties: Record<string, Property>
}

/** A leaf of the mapping by its dotted path (`pickup.zone`, `title.keyword`). */
export interface Leaf {
  path: string
  type: string
  storage: Storage
  /** keyword: longer strings are not indexed (dynamic mappings set 256). */
  ignoreAbove?: number
  /** date: the mapping's `format` (default `strict_date_optional_time||epoch_millis`). */
  format?: string
}

/** Every leaf of a mapping, multi-fields (`title.keyword`) included. */
export function leavesOf(properties: Record<string, Property>, prefix = ''): Leaf[] {
  const out: Leaf[] = []
  for (const [name, p] of Object.entries(properties)) {
    const path = prefix + name
    if (p.properties) out.push(...leavesOf(p.properties, `${path}.`))
    if (p.type === undefined || p.type === 'object' || p.type === 'nested') continue
    out.push(leaf(path, p))
    for (const [sub, f] of Object.entries(p.fields ?? {})) if (f.type) out.push(leaf(`${path}.${sub}`, f))
  }
  return out
}

function leaf(path: string, p: Property): Leaf {
  const type = p.type!
  return {
    path,
    type,
    storage: storageOf(type),
    ...(typeof p.ignore_above === 'number' ? { ignoreAbove: p.ignore_above } : {}),
    ...(type === 'date' && typeof p.format === 'string' ? { format: p.format } : {}),
  }
}

/** The `format` of the date field at `path` (`pickup`, `trip.pickup`), if its mapping gives one. */
export function formatAt(properties: Record<string, Property>, path: string): string | undefined {
  const parts = path.split('.')
  let p: Property | undefined = { properties }
  for (const part of parts) p = p?.properties?.[part] ?? p?.fields?.[part]
  return p?.type === 'date' && typeof p.format === 'string' ? p.format : undefined
}

/** Checks the types of an explicit mapping (`PUT /index`, `PUT /index/_mapping`, the kind's settings). */
export function checkProperties(properties: unknown, prefix = ''): Record<string, Property> {
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties))
    throw mapperParsing(`Expected map for property [properties] on field [${prefix || '_doc'}]`)
  for (const [name, p] of Object.entries(properties as Record<string, Property>)) {
    if (p === null || typeof p !== 'object')
      throw mapperParsing(`Expected map for property [${prefix}${name}]`)
    if (p.properties) checkProperties(p.properties, `${prefix}${name}.`)
    const type = p.type ?? (p.properties ? 'object' : undefined)
    if (type === undefined) throw mapperParsing(`No type specified for field [${prefix}${name}]`)
    if (type !== 'object' && type !== 'nested' && !LEAF_TYPES.has(type))
      throw mapperParsing(`No handler for type [${type}] declared on field [${prefix}${name}]`)
    const invalid = type === 'date' && typeof p.format === 'string' ? invalidFormat(p.format) : undefined
    if (invalid) throw mapperParsing(invalid)
    for (const [sub, f] of Object.entries(p.fields ?? {}))
      if (!f.type || !LEAF_TYPES.has(f.type))
        throw mapperParsing(`No handler for type [${f.type}] declared on field [${prefix}${name}.${sub}]`)
  }
  return properties as Record<string, Property>
}

/** `strict_date_optional_time`: what dynamic mapping takes for a date (ES's default date detection). */
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/

/**
 * The property dynamic mapping adds for a value ES has not seen: strings become `text` with a
 * `keyword` multi-field (or `date` when they look like one), whole numbers `long`, others `float`.
 */
export function dynamicProperty(value: unknown): Property | undefined {
  if (typeof value === 'string') {
    if (DATE_LIKE.test(value) && !Number.isNaN(parseDate(value))) return { type: 'date' }
    return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } }
  }
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'float' }
  if (typeof value === 'boolean') return { type: 'boolean' }
  return undefined
}

/**
 * Epoch milliseconds of a date as the default format (`strict_date_optional_time||epoch_millis`),
 * or a field's own `format`, reads it; NaN when it is none. A date-time without a zone is UTC, as
 * in ES (not local time, as `Date.parse` would have it).
 */
export function parseDate(value: unknown, format?: string): number {
  if (format !== undefined) return parseFormatted(value, format, isoDate)
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : Number.NaN
  if (typeof value !== 'string') return Number.NaN
  if (/^-?\d+$/.test(value)) return Number(value)
  return isoDate(value)
}

/** `strict_date_optional_time`. */
function isoDate(value: string): number {
  const m = DATE_LIKE.exec(value)
  if (!m) return Number.NaN
  let text = value.replace(',', '.')
  if (m[1] !== undefined && m[2] === undefined) text = text.replace(/T(\d{2})/, 'T$1:00')
  if (m[5] === undefined) text = m[1] === undefined ? `${text}T00:00:00Z` : `${text}Z`
  else if (/[+-]\d{4}$/.test(text)) text = `${text.slice(0, -2)}:${text.slice(-2)}`
  return Date.parse(text)
}

/**
 * A value of a leaf as stored and compared (a column value, or the text to index); undefined for
 * a value that is not indexed (a keyword past `ignore_above`). Throws ES's mapper_parsing_exception
 * for a value of the wrong type.
 */
export function storedValue(leaf: Leaf, value: unknown, id: string): string | number | undefined {
  // (The error is made only when needed: a closure per value was a visible share of a `_bulk`.)
  switch (leaf.storage) {
    case 'text':
      if (typeof value === 'object') throw badValue(leaf, value, id)
      return String(value)
    case 'keyword': {
      if (typeof value === 'object') throw badValue(leaf, value, id)
      const s = String(value)
      return leaf.ignoreAbove !== undefined && s.length > leaf.ignoreAbove ? undefined : s
    }
    case 'boolean':
      if (value === true || value === 'true') return 1
      if (value === false || value === 'false' || value === '') return 0
      throw badValue(leaf, value, id)
    case 'date': {
      const ms = parseDate(value, leaf.format)
      if (Number.isNaN(ms)) throw badValue(leaf, value, id)
      return ms
    }
    case 'number': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN
      if (!Number.isFinite(n)) throw badValue(leaf, value, id)
      return leaf.type === 'double' || leaf.type.endsWith('float') ? n : Math.trunc(n)
    }
  }
}

function badValue(leaf: Leaf, value: unknown, id: string) {
  return mapperParsing(
    `failed to parse field [${leaf.path}] of type [${leaf.type}] in document with id '${id}'. Preview of field's value: '${preview(value)}'`,
  )
}

function preview(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value)
  return s.length > 20 ? `${s.slice(0, 20)}...` : s
}

/**
 * What {@link flatten} has at `path` (undefined: nothing), without flattening the rest of the
 * document when the path has no dot: its values are then those of the top-level key alone.
 */
export function valuesAt(source: Record<string, unknown>, path: string): unknown[] | undefined {
  if (path.includes('.')) return flatten(source).get(path)
  if (!Object.hasOwn(source, path)) return undefined
  const out: unknown[] = []
  const walk = (value: unknown) => {
    if (value === null || value === undefined) return
    if (Array.isArray(value)) for (const v of value) walk(v)
    else if (typeof value !== 'object') out.push(value)
  }
  walk(source[path])
  return out.length === 0 ? undefined : out
}

/** The leaf values of a document by dotted path: objects flattened, arrays spread, nulls dropped. */
export function flatten(source: Record<string, unknown>): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>()
  const walk = (value: unknown, path: string) => {
    if (value === null || value === undefined) return
    if (Array.isArray(value)) {
      for (const v of value) walk(v, path)
      return
    }
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        walk(v, path ? `${path}.${k}` : k)
      return
    }
    const list = out.get(path)
    if (list) list.push(value)
    else out.set(path, [value])
  }
  walk(source, '')
  return out
}

/** Adds `property` at a dotted `path` of `properties` (creating the objects on the way). */
export function addProperty(properties: Record<string, Property>, path: string, property: Property): void {
  const parts = path.split('.')
  let level = properties
  for (const part of parts.slice(0, -1)) {
    level[part] ??= { properties: {} }
    const existing = level[part]
    existing.properties ??= {}
    level = existing.properties
  }
  level[parts.at(-1)!] = property
}
