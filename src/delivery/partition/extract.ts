import { createRequire } from 'node:module'

/**
 * Firehose's inline parsing for dynamic partitioning (`MetadataExtraction`, `JQ-1.6`): each
 * partition key is a jq query over the record, which must be JSON.
 *
 * Sources:
 * - https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-partitioning-keys.html
 *   (jq queries per key, e.g. `.event_timestamp|strftime("%Y")`)
 * - https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-error-handling.html
 *   (records that cannot be parsed or whose keys cannot be extracted go to the error prefix)
 * - Error code `DynamicPartitioning.MetadataExtractionFailed` and the messages
 *   "Non JSON record provided" / "partitionKeys values must not be null or empty" as delivered by
 *   Firehose (quoted in public issue reports and user repositories; the docs do not list them).
 *
 * jq runs as real jq compiled to WebAssembly (`jq-web`, jq 1.7; Firehose documents 1.6). Calls cost
 * ~1 ms each, so a batch is ONE call: records are wrapped as `{"i":n,"v":<record>}` NDJSON and a
 * generated program emits one line per record. Measured here (Node 20, one call per 1,000-record
 * batch): 1 KiB records with two keys (one using strftime) ≈ 76 ms/batch ≈ 13k records/s; one key
 * ≈ 32k records/s; tiny records ≈ 88k records/s. jq's own JSON parsing (~20 µs per KiB) dominates,
 * and a call has ~4 ms fixed cost, so never call it per record. Run it off the event loop (the
 * delivery worker) for large batches.
 *
 * Numbers and booleans become their JSON text (`1565382027`, `true`); strings are used as they are;
 * null, an empty string, no output, several outputs, arrays and objects fail the record.
 */

export const METADATA_EXTRACTION_FAILED = 'DynamicPartitioning.MetadataExtractionFailed'
export const NON_JSON_MESSAGE = 'Non JSON record provided'
export const NULL_OR_EMPTY_MESSAGE = 'partitionKeys values must not be null or empty'

export type ExtractResult =
  | { ok: true; keys: Record<string, string> }
  | { ok: false; errorCode: string; reason: string }

export interface KeyExtractor {
  readonly keys: readonly string[]
  /** Extracts every key of every record with one jq invocation. */
  extract(records: readonly Buffer[]): ExtractResult[]
}

/** A metadata-extraction query that does not compile or uses a construct we refuse. */
export class QueryError extends Error {
  override readonly name = 'QueryError'
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message)
  }
}

interface Jq {
  raw(input: string, filter: string, flags?: string[]): string
}

type JqError = Error & { exitCode?: number; stderr?: string }

let jqLoading: Promise<Jq> | undefined
function loadJq(): Promise<Jq> {
  // jq-web ships CommonJS without types; its export is a promise of the instantiated module.
  jqLoading ??= createRequire(import.meta.url)('jq-web') as Promise<Jq>
  return jqLoading
}

// `input`/`inputs` would consume the next record; `halt`/`halt_error` would stop the whole batch.
const FORBIDDEN = /(?<![.\w$"])(inputs?|halt_error|halt)(?![\w"])(?!\s*:)/
const KEY_NAME = /^[A-Za-z0-9_-]{1,128}$/

/**
 * Compiles the queries (checking each one with jq) and returns a batch extractor.
 *
 * @example
 * const extractor = await createKeyExtractor({ customer_id: '.customer_id' })
 * extractor.extract([Buffer.from('{"customer_id":"42"}')]) // [{ ok: true, keys: { customer_id: '42' } }]
 */
export async function createKeyExtractor(queries: Readonly<Record<string, string>>): Promise<KeyExtractor> {
  const jq = await loadJq()
  const keys = Object.keys(queries)
  if (keys.length === 0) throw new QueryError('', 'At least one metadata extraction query is required.')
  for (const key of keys) {
    const query = queries[key]!
    if (!KEY_NAME.test(key)) {
      throw new QueryError(key, `Partition key name "${key}" must match ${KEY_NAME.source}.`)
    }
    if (query.trim() === '') throw new QueryError(key, `The query for partition key "${key}" is empty.`)
    const forbidden = FORBIDDEN.exec(query)
    if (forbidden) {
      throw new QueryError(key, `The query for partition key "${key}" may not use "${forbidden[1]}".`)
    }
    try {
      jq.raw('null', `[(\n${query}\n)] | length`, ['-c'])
    } catch (error) {
      const { exitCode, stderr } = error as JqError
      // Exit code 3 is a compile error; 5 is a runtime error on `null`, which is fine here.
      if (exitCode === 3 || exitCode === undefined) {
        const detail = (stderr ?? String(error)).split('\n')[0]?.replace(/^jq: error: /, '') ?? ''
        throw new QueryError(key, `The query for partition key "${key}" does not compile: ${detail}`)
      }
    }
  }
  const program = buildProgram(keys.map((key) => queries[key]!))
  return {
    keys,
    extract: (records) => extractBatch(jq, program, keys, records),
  }
}

function buildProgram(queries: string[]): string {
  // Each query sits on its own lines so a trailing `# comment` cannot swallow the wrapper.
  const perKey = queries.map(
    (q) =>
      `(try ([(\n${q}\n)] | map([type, (if type == "string" then . else tojson end)])) catch {"error": tostring})`,
  )
  return `.i as $i | .v | [$i, ${perKey.join(', ')}]`
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function extractBatch(
  jq: Jq,
  program: string,
  keys: readonly string[],
  records: readonly Buffer[],
): ExtractResult[] {
  const results: ExtractResult[] = new Array(records.length)
  const lines: string[] = []
  records.forEach((record, index) => {
    const text = asJson(record)
    if (text === undefined) {
      results[index] = { ok: false, errorCode: METADATA_EXTRACTION_FAILED, reason: NON_JSON_MESSAGE }
    } else {
      lines.push(`{"i":${index},"v":${text}}`)
    }
  })
  if (lines.length === 0) return results
  let output: string
  try {
    output = jq.raw(lines.join('\n'), program, ['-c'])
  } catch (error) {
    // One record broke jq itself (e.g. nesting beyond jq's parser depth): isolate it.
    if (lines.length === 1) {
      const index = Number(/^\{"i":(\d+)/.exec(lines[0]!)![1])
      results[index] = fail(`jq failed: ${firstLine(error as JqError)}`)
      return results
    }
    const half = Math.ceil(lines.length / 2)
    for (const part of [lines.slice(0, half), lines.slice(half)]) {
      const sub = part.map((line) => Number(/^\{"i":(\d+)/.exec(line)![1]))
      const subResults = extractBatch(
        jq,
        program,
        keys,
        sub.map((i) => records[i]!),
      )
      sub.forEach((original, k) => {
        results[original] = subResults[k]!
      })
    }
    return results
  }
  for (const line of output.split('\n')) {
    if (line === '') continue
    const [index, ...perKey] = JSON.parse(line) as [number, ...unknown[]]
    results[index] = toResult(keys, perKey)
  }
  for (let i = 0; i < records.length; i++) results[i] ??= fail('the query produced no result for this record')
  return results
}

function asJson(record: Buffer): string | undefined {
  let text: string
  try {
    text = utf8.decode(record)
    JSON.parse(text)
  } catch {
    return undefined
  }
  return text
}

function toResult(keys: readonly string[], perKey: unknown[]): ExtractResult {
  const out: Record<string, string> = {}
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!
    const value = perKey[k] as Array<[string, string]> | { error: string }
    if (!Array.isArray(value)) return fail(`query for "${key}" failed: ${value.error}`)
    if (value.length === 0) return fail(`${NULL_OR_EMPTY_MESSAGE} (query for "${key}" produced no value)`)
    if (value.length > 1)
      return fail(`query for "${key}" produced ${value.length} values; exactly one is required`)
    const [type, text] = value[0]!
    if (type === 'null' || text === '') return fail(`${NULL_OR_EMPTY_MESSAGE} (key "${key}")`)
    if (type === 'array' || type === 'object')
      return fail(`query for "${key}" produced an ${type}; a scalar is required`)
    out[key] = text
  }
  return { ok: true, keys: out }
}

function fail(reason: string): ExtractResult {
  return { ok: false, errorCode: METADATA_EXTRACTION_FAILED, reason }
}

function firstLine(error: JqError): string {
  return (error.stderr ?? error.message).split('\n').find((l) => l.trim() !== '') ?? 'unknown error'
}
