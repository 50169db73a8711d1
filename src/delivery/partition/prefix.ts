import type { DeliveryConfig } from '../config.ts'
import { compileTimestampPattern, formatTimestamp, type TimestampToken } from './timestamp-format.ts'

/**
 * Firehose's S3 `Prefix` / `ErrorOutputPrefix` expressions: `!{namespace:value}` with the
 * namespaces `timestamp`, `firehose` (`error-output-type`, `random-string`),
 * `partitionKeyFromQuery` and `partitionKeyFromLambda`.
 *
 * Rules (and, where the docs give one, their wording) come from:
 * - https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html ("Semantic rules", examples)
 *   read from awsdocs/amazon-kinesis-data-firehose-developer-guide `doc_source/s3-prefixes.md`
 * - https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html (prefix must be built
 *   from partition keys; error prefix is mandatory with dynamic partitioning)
 * - https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html (default `YYYY/MM/dd/HH`,
 *   UTC by default)
 */

/** Firehose's default time prefix, appended to a Prefix without timestamp or partition-key expressions. */
export const DEFAULT_TIME_PREFIX = '!{timestamp:yyyy/MM/dd/HH/}'
/** "Neither Prefix nor ErrorOutputPrefix can be greater than 512 characters after they're evaluated." */
export const MAX_EVALUATED_PREFIX_LENGTH = 512
/** API limit on the configured Prefix / ErrorOutputPrefix (API_ExtendedS3DestinationConfiguration). */
export const MAX_PREFIX_LENGTH = 1024

export type PrefixKind = 'prefix' | 'errorPrefix'

export interface PrefixOptions {
  kind: PrefixKind
  dynamicPartitioning: boolean
  /** Keys the metadata-extraction processor defines; `partitionKeyFromQuery:k` must name one. */
  keysFromQuery?: readonly string[]
}

export interface RenderContext {
  /** Approximate arrival time (ms since epoch) used by every `timestamp` expression (UTC). */
  arrivalMs: number
  /** Partition keys (from the query and from the transformation Lambda), already checked as data. */
  keys?: Readonly<Record<string, string>>
  /** `processing-failed`, `partitioning-failed`, ... (error prefixes only). */
  errorOutputType?: string
  /**
   * What `!{firehose:random-string}` renders as. AWS draws 11 random characters; Tributary lake
   * files are exactly-once, so the caller derives this from the file's identity.
   */
  randomString: string
}

/** One piece of a prefix: literal text or one `!{namespace:value}` expression. */
export type PrefixPart =
  | { kind: 'literal'; text: string }
  | { kind: 'timestamp'; tokens: TimestampToken[] }
  | { kind: 'errorOutputType' }
  | { kind: 'randomString' }
  | { kind: 'queryKey'; key: string }
  | { kind: 'lambdaKey'; key: string }

/** A validated prefix, ready to render per record or per file. */
export interface CompiledPrefix {
  readonly kind: PrefixKind
  /** The expression text after defaults were applied (what is rendered). */
  readonly source: string
  readonly queryKeys: readonly string[]
  readonly lambdaKeys: readonly string[]
  readonly hasExpressions: boolean
  /** Renders the prefix; throws {@link PrefixRenderError} if a key or the error type is missing. */
  render(ctx: RenderContext): string
}

/** An invalid Prefix / ErrorOutputPrefix: Firehose answers `InvalidArgumentException`. */
export class PrefixError extends Error {
  override readonly name = 'PrefixError'
  readonly code = 'InvalidArgumentException'
}

/** A prefix could not be evaluated for one record (missing key): the record goes to the error prefix. */
export class PrefixRenderError extends Error {
  override readonly name = 'PrefixRenderError'
}

const NAMESPACES = ['timestamp', 'firehose', 'partitionKeyFromQuery', 'partitionKeyFromLambda']

/**
 * Parses and validates one prefix.
 *
 * @example
 * const prefix = parsePrefix('year=!{timestamp:yyyy}/', { kind: 'prefix', dynamicPartitioning: false })
 * prefix.render({ arrivalMs: Date.UTC(2018, 7, 27), randomString: 'r' }) // 'year=2018/'
 */
export function parsePrefix(text: string, options: PrefixOptions): CompiledPrefix {
  const field = options.kind === 'prefix' ? 'Prefix' : 'ErrorOutputPrefix'
  if (text.length > MAX_PREFIX_LENGTH) {
    throw new PrefixError(`${field} must have length less than or equal to ${MAX_PREFIX_LENGTH}`)
  }
  let parts = parseParts(text, field)
  const has = (kind: PrefixPart['kind']) => parts.some((p) => p.kind === kind)
  const queryKeys = unique(parts.flatMap((p) => (p.kind === 'queryKey' ? [p.key] : [])))
  const lambdaKeys = unique(parts.flatMap((p) => (p.kind === 'lambdaKey' ? [p.key] : [])))
  const hasKeys = queryKeys.length + lambdaKeys.length > 0

  if (options.kind === 'prefix') {
    if (has('errorOutputType')) {
      throw new PrefixError('Prefix can\'t contain "!{firehose:error-output-type}".')
    }
    if (options.dynamicPartitioning && !hasKeys) {
      throw new PrefixError(
        'When dynamic partitioning is enabled, Prefix must contain at least one ' +
          '"!{partitionKeyFromQuery:keyID}" or "!{partitionKeyFromLambda:keyID}" expression.',
      )
    }
    if (!has('timestamp') && !hasKeys) {
      // "If you specify a prefix that doesn't contain a timestamp namespace expression, Firehose
      // appends !{timestamp:yyyy/MM/dd/HH/}": literally, so `logs` gives `logs2018/08/27/10/`.
      parts = [...parts, ...parseParts(DEFAULT_TIME_PREFIX, field)]
      text += DEFAULT_TIME_PREFIX
    }
  } else {
    if (hasKeys) {
      throw new PrefixError(
        "The partitionKeyFromQuery and partitionKeyFromLambda namespaces can't be used in ErrorOutputPrefix.",
      )
    }
    if (parts.some((p) => p.kind !== 'literal') && !has('errorOutputType')) {
      throw new PrefixError(
        'ErrorOutputPrefix must include at least one instance of "!{firehose:error-output-type}" ' +
          'when it contains expressions.',
      )
    }
  }
  if (!options.dynamicPartitioning && hasKeys) {
    throw new PrefixError(
      'The partitionKeyFromQuery and partitionKeyFromLambda namespaces can only be used when ' +
        'dynamic partitioning is enabled.',
    )
  }
  if (options.keysFromQuery) {
    const known = new Set(options.keysFromQuery)
    const missing = queryKeys.filter((k) => !known.has(k))
    if (missing.length > 0) {
      throw new PrefixError(
        `Prefix uses partitionKeyFromQuery key(s) ${missing.map((k) => `"${k}"`).join(', ')} ` +
          'that the metadata extraction queries do not define.',
      )
    }
  }
  return compiled(options.kind, text, parts, queryKeys, lambdaKeys)
}

/**
 * Compiles a delivery stream's Prefix and ErrorOutputPrefix together, applying the rules that
 * span both fields and Firehose's defaults for an omitted ErrorOutputPrefix.
 *
 * @example
 * const { prefix, errorPrefix } = compilePrefixes({ prefix: 'logs/', dynamicPartitioning: false })
 * errorPrefix.source // 'logs/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}'
 */
export function compilePrefixes(config: {
  prefix?: string
  errorOutputPrefix?: string
  dynamicPartitioning: boolean
  keysFromQuery?: readonly string[]
}): { prefix: CompiledPrefix; errorPrefix: CompiledPrefix } {
  const base = { dynamicPartitioning: config.dynamicPartitioning, keysFromQuery: config.keysFromQuery }
  const prefixText = config.prefix ?? ''
  const prefix = parsePrefix(prefixText, { ...base, kind: 'prefix' })
  let errorText = config.errorOutputPrefix
  if (errorText === undefined || errorText === '') {
    if (config.dynamicPartitioning) {
      throw new PrefixError('ErrorOutputPrefix must be specified when dynamic partitioning is enabled.')
    }
    if (parseParts(prefixText, 'Prefix').some((p) => p.kind !== 'literal')) {
      throw new PrefixError("ErrorOutputPrefix can't be null when Prefix contains expressions.")
    }
    // "ErrorOutputPrefix evaluates to <specified-prefix><error-output-type>/YYYY/MM/dd/HH/".
    errorText = `${prefixText}!{firehose:error-output-type}/${DEFAULT_TIME_PREFIX}`
  }
  return { prefix, errorPrefix: parsePrefix(errorText, { ...base, kind: 'errorPrefix' }) }
}

/** {@link compilePrefixes} for a delivery stream's configuration (pipeline file or API). */
export function compileDeliveryPrefixes(config: DeliveryConfig): {
  prefix: CompiledPrefix
  errorPrefix: CompiledPrefix
} {
  return compilePrefixes({
    prefix: config.prefix,
    errorOutputPrefix: config.errorOutputPrefix,
    dynamicPartitioning: config.dynamicPartitioning?.enabled ?? false,
    keysFromQuery: Object.keys(config.dynamicPartitioning?.metadataExtraction?.queries ?? {}),
  })
}

/** A prefix's pieces as written (no default appended), for readers of its layout (Glue's partition projection). */
export function prefixParts(text: string): PrefixPart[] {
  return parseParts(text, 'Prefix')
}

function parseParts(text: string, field: string): PrefixPart[] {
  const parts: PrefixPart[] = []
  let i = 0
  while (i < text.length) {
    const start = text.indexOf('!{', i)
    if (start < 0) {
      parts.push({ kind: 'literal', text: text.slice(i) })
      break
    }
    if (start > i) parts.push({ kind: 'literal', text: text.slice(i, start) })
    const end = text.indexOf('}', start)
    if (end < 0) {
      throw new PrefixError(
        `${field}: the sequence "!{" can only appear in "!{namespace:value}" expressions.`,
      )
    }
    parts.push(parseExpression(text.slice(start + 2, end), field))
    i = end + 1
  }
  return parts
}

function parseExpression(body: string, field: string): PrefixPart {
  const colon = body.indexOf(':')
  const namespace = colon < 0 ? body : body.slice(0, colon)
  const value = colon < 0 ? '' : body.slice(colon + 1)
  if (colon < 0 || !NAMESPACES.includes(namespace)) {
    throw new PrefixError(
      `${field}: invalid expression "!{${body}}"; the namespace must be one of ${NAMESPACES.join(', ')}.`,
    )
  }
  if (value === '') throw new PrefixError(`${field}: the expression "!{${body}}" has an empty value.`)
  switch (namespace) {
    case 'timestamp':
      try {
        return { kind: 'timestamp', tokens: compileTimestampPattern(value) }
      } catch (error) {
        throw new PrefixError(
          `${field}: "!{${body}}" is not a valid Java DateTimeFormatter pattern: ${(error as Error).message}`,
        )
      }
    case 'firehose':
      if (value === 'error-output-type') return { kind: 'errorOutputType' }
      if (value === 'random-string') return { kind: 'randomString' }
      throw new PrefixError(
        `${field}: "!{${body}}" is invalid; the firehose namespace accepts error-output-type and random-string.`,
      )
    case 'partitionKeyFromQuery':
      return { kind: 'queryKey', key: value }
    default:
      return { kind: 'lambdaKey', key: value }
  }
}

function compiled(
  kind: PrefixKind,
  source: string,
  parts: readonly PrefixPart[],
  queryKeys: string[],
  lambdaKeys: string[],
): CompiledPrefix {
  return {
    kind,
    source,
    queryKeys,
    lambdaKeys,
    hasExpressions: parts.some((p) => p.kind !== 'literal'),
    render(ctx) {
      let out = ''
      for (const part of parts) out += renderPart(part, ctx)
      return out
    },
  }
}

function renderPart(part: PrefixPart, ctx: RenderContext): string {
  switch (part.kind) {
    case 'literal':
      return part.text
    case 'timestamp':
      // Every timestamp expression in one prefix evaluates to the same instant.
      return formatTimestamp(part.tokens, ctx.arrivalMs)
    case 'errorOutputType':
      if (ctx.errorOutputType === undefined) throw new PrefixRenderError('errorOutputType is required')
      return ctx.errorOutputType
    case 'randomString':
      return ctx.randomString
    default: {
      const value = ctx.keys?.[part.key]
      if (value === undefined) {
        const ns = part.kind === 'queryKey' ? 'partitionKeyFromQuery' : 'partitionKeyFromLambda'
        throw new PrefixRenderError(`No value for !{${ns}:${part.key}}`)
      }
      return value
    }
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
