/**
 * Athena partition projection for a catalog table written by delivery streams: the Glue table
 * parameters (`projection.*`, `storage.location.template`) that let Athena compute the table's
 * partitions from the deliveries' prefixes, so new `key=value/` directories are queryable at once,
 * with no crawler, `MSCK REPAIR TABLE` or `ALTER TABLE ADD PARTITION`.
 *
 * - https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
 * - https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 * - https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example.html
 *
 * Each partition key maps from the delivery's prefix segment `key=<expression>/`:
 *
 * | segment | Glue type of the key | projection |
 * |---|---|---|
 * | `!{partitionKeyFromQuery:k}`, `!{partitionKeyFromLambda:k}` | any | `injected`: queries give the value (`WHERE k = '...'`) |
 * | `!{timestamp:yyyy}`, `MM`, `dd`, `HH`, `mm` | an integer type | `integer` over the field's range, zero-padded as Firehose writes it |
 * | `!{timestamp:<pattern>}` of `y M d H m` | `string` (or `date` with `yyyy-MM-dd`) | `date` from {@link PROJECTION_START} to `NOW` |
 * | a literal `key=value/` | any | `enum` with that one value |
 */
import { type CatalogTableConfig, writesInto } from '../query/config.ts'
import type { DeliveryConfig } from './config.ts'
import { DEFAULT_TIME_PREFIX, type PrefixPart, prefixParts } from './partition/prefix.ts'
import { formatTimestamp, type TimestampToken } from './partition/timestamp-format.ts'

/** The first instant projected: Athena needs a start for `date` and `integer` ranges. */
export const PROJECTION_START = Date.UTC(2020, 0, 1)
/** The last year an integer year key projects (an integer range cannot end at `NOW`). */
export const PROJECTION_LAST_YEAR = 2099

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint'])

/** An integer key's range per timestamp field letter (`yyyy` → years, `MM` → months, ...). */
const INTEGER_FIELDS: Readonly<Record<string, readonly [number, number]>> = {
  y: [new Date(PROJECTION_START).getUTCFullYear(), PROJECTION_LAST_YEAR],
  M: [1, 12],
  d: [1, 31],
  H: [0, 23],
  m: [0, 59],
}

/** A date key's interval unit: the finest field of its pattern. */
const DATE_UNITS: readonly [letter: string, unit: string][] = [
  ['m', 'MINUTES'],
  ['H', 'HOURS'],
  ['d', 'DAYS'],
  ['M', 'MONTHS'],
  ['y', 'YEARS'],
]

export interface Projection {
  /** The Glue table parameters to add; undefined when the partitions cannot be projected. */
  parameters?: Record<string, string>
  /** One line each, for synth's warnings: what a user of Athena needs to know. */
  notes: string[]
}

/**
 * The partition projection of catalog table `name` from the deliveries that write under its
 * prefix (in its bucket and format: {@link writesInto}). `location` is `s3://<bucket>/<prefix>` as the table's
 * location says it (a CDK token for the bucket name is fine).
 *
 * @example
 * partitionProjection('events', table, 's3://lake/events/', { d: { bucket: 'lake', prefix: 'events/day=!{timestamp:yyyy-MM-dd}/', ... } })
 * // { parameters: { 'projection.enabled': 'true', 'projection.day.type': 'date', ...,
 * //   'storage.location.template': 's3://lake/events/day=${day}/' }, notes: [] }
 */
export function partitionProjection(
  name: string,
  table: CatalogTableConfig,
  location: string,
  deliveries: Readonly<Record<string, DeliveryConfig>>,
): Projection {
  const keys = table.partitionKeys
  if (keys.length === 0) return { notes: [] }
  const field = `catalog.${name}.partitionKeys`
  const writers = Object.entries(deliveries).filter(([, d]) => writesInto(name, table, d))
  // The catalog's own synth face tells about a table that no delivery writes.
  if (writers.length === 0) return { notes: [] }
  let chosen: { from: string; parameters: Record<string, string> } | undefined
  for (const [deliveryName, d] of writers) {
    const derived = fromPrefix(keys, d.prefix.slice(table.prefix.length))
    if (typeof derived === 'string')
      return {
        notes: [
          `${field}: deliveries.${deliveryName}.prefix ${derived}, so they are not projected: ` +
            `Athena sees a partition once it is added (MSCK REPAIR TABLE ${name})`,
        ],
      }
    if (chosen && JSON.stringify(chosen.parameters) !== JSON.stringify(derived))
      return {
        notes: [
          `${field}: deliveries.${chosen.from} and deliveries.${deliveryName} write its partitions differently, ` +
            `so they are not projected: Athena sees a partition once it is added (MSCK REPAIR TABLE ${name})`,
        ],
      }
    chosen ??= { from: deliveryName, parameters: derived }
  }
  const parameters = chosen!.parameters
  const template = keys.map((k) => `${k.name}=\${${k.name}}/`).join('')
  const injected = keys.filter((k) => parameters[`projection.${k.name}.type`] === 'injected')
  return {
    parameters: {
      'projection.enabled': 'true',
      ...parameters,
      'storage.location.template': `${location}${template}`,
    },
    notes:
      injected.length === 0
        ? []
        : [
            `${field}: ${injected.map((k) => k.name).join(', ')} projected as 'injected' (the records give the values): ` +
              `Athena queries of ${name} must name them (WHERE ${injected[0]!.name} = '...')`,
          ],
  }
}

/** The projection parameters of `keys` from the prefix below the table's, or why there are none. */
function fromPrefix(
  keys: CatalogTableConfig['partitionKeys'],
  rest: string,
): Record<string, string> | string {
  const parts = prefixParts(rest)
  // Firehose appends its own time directories to a prefix without timestamp or key expressions.
  if (!parts.some((p) => p.kind === 'timestamp' || p.kind === 'queryKey' || p.kind === 'lambdaKey'))
    parts.push(...prefixParts(DEFAULT_TIME_PREFIX))
  const segments = segmentsOf(parts)
  const after = segments.slice(keys.length)
  // Only object names may follow the keys' directories, not further directories.
  if (segments.length < keys.length || after.some((s) => s.closed || opensDirectories(s)))
    return `does not end in the ${keys.length} key=value/ directories of its partition keys`
  const out: Record<string, string> = {}
  for (const [i, key] of keys.entries()) {
    const segment = segments[i]!
    const head = segment.parts[0]
    const expected = `${key.name}=`
    if (!segment.closed || head?.kind !== 'literal' || !head.text.startsWith(expected))
      return `does not write partition key ${key.name} as directory ${i + 1} (${key.name}=.../)`
    const value: PrefixPart[] =
      head.text === expected
        ? segment.parts.slice(1)
        : [{ kind: 'literal', text: head.text.slice(expected.length) }, ...segment.parts.slice(1)]
    const projected = projectKey(key.name, key.type.toLowerCase(), value)
    if (typeof projected === 'string') return projected
    Object.assign(out, projected)
  }
  return out
}

function projectKey(
  name: string,
  type: string,
  value: readonly PrefixPart[],
): Record<string, string> | string {
  const p = `projection.${name}`
  const only = value.length === 1 ? value[0]! : undefined
  if (only?.kind === 'queryKey' || only?.kind === 'lambdaKey') return { [`${p}.type`]: 'injected' }
  if (only?.kind === 'literal' && !only.text.includes(','))
    return { [`${p}.type`]: 'enum', [`${p}.values`]: only.text }
  if (only?.kind !== 'timestamp') return `writes ${name} as something partition projection cannot describe`
  const fields = only.tokens.filter(
    (t): t is Extract<TimestampToken, { kind: 'field' }> => t.kind === 'field',
  )
  if (fields.some((f) => !(f.letter in INTEGER_FIELDS)))
    return `writes ${name} with timestamp fields other than y M d H m`
  const pattern = patternOf(only.tokens)
  if (INTEGER_TYPES.has(type)) {
    const field = fields.length === 1 && only.tokens.length === 1 ? fields[0]! : undefined
    if (!field) return `writes integer key ${name} as more than one timestamp field (${pattern})`
    if (field.letter === 'y' && field.count === 2) return `writes year ${name} with two digits (yy)`
    const [low, high] = INTEGER_FIELDS[field.letter]!
    return {
      [`${p}.type`]: 'integer',
      [`${p}.range`]: `${low},${high}`,
      ...(field.count > 1 && field.letter !== 'y' ? { [`${p}.digits`]: String(field.count) } : {}),
    }
  }
  if (type !== 'string' && !(type === 'date' && pattern === 'yyyy-MM-dd'))
    return `writes ${name} (${type}) as ${pattern}: projected dates are string keys, or date keys as yyyy-MM-dd`
  const unit = DATE_UNITS.find(([letter]) => fields.some((f) => f.letter === letter))![1]
  return {
    [`${p}.type`]: 'date',
    [`${p}.format`]: pattern,
    [`${p}.range`]: `${formatTimestamp(only.tokens, PROJECTION_START)},NOW`,
    [`${p}.interval`]: '1',
    [`${p}.interval.unit`]: unit,
  }
}

interface Segment {
  parts: PrefixPart[]
  /** Ended by `/` (a directory), not the start of the object names. */
  closed: boolean
}

/**
 * The prefix split at each `/` of its literal text. A `/` inside a timestamp pattern is not a split:
 * in a key's segment (`day=!{timestamp:yyyy/MM/dd}/`) the value holds it, and a date projection's
 * format and the location template say the same.
 */
function segmentsOf(parts: readonly PrefixPart[]): Segment[] {
  const segments: Segment[] = []
  let current: PrefixPart[] = []
  for (const part of parts) {
    if (part.kind !== 'literal') {
      current.push(part)
      continue
    }
    const pieces = part.text.split('/')
    for (const [i, piece] of pieces.entries()) {
      if (piece !== '') current.push({ kind: 'literal', text: piece })
      if (i < pieces.length - 1) {
        segments.push({ parts: current, closed: true })
        current = []
      }
    }
  }
  if (current.length > 0) segments.push({ parts: current, closed: false })
  return segments
}

/** A timestamp whose pattern holds `/` writes directories of its own. */
function opensDirectories(segment: Segment): boolean {
  return segment.parts.some((p) => p.kind === 'timestamp' && patternOf(p.tokens).includes('/'))
}

/** The Java pattern a timestamp expression was written with. */
function patternOf(tokens: readonly TimestampToken[]): string {
  return tokens.map((t) => (t.kind === 'field' ? t.letter.repeat(t.count) : literalPattern(t.text))).join('')
}

function literalPattern(text: string): string {
  return /^[^A-Za-z']*$/.test(text) ? text : `'${text.replace(/'/g, "''")}'`
}
