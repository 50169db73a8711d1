import { intervalMs, translate } from './expressions.ts'
import { closing, errorAt, isWord, SqlError, splitCommas, type Token, textOf } from './lexer.ts'
import { type SearchIndexConnector, searchIndexConnector } from './search-connector.ts'
import { type ColumnType, columnType } from './types.ts'

export interface PhysicalColumn {
  name: string
  type: ColumnType
}

export interface ComputedColumn {
  name: string
  /** DuckDB SQL over the physical columns. */
  expr: string
}

/** Where a table's rows come from or go to, by Flink connector. */
export type Connector =
  | { kind: 'stream'; stream: string; initialPosition: 'LATEST' | 'TRIM_HORIZON' }
  | { kind: 'table'; table: string }
  | { kind: 'bucket'; bucket: string; prefix: string }
  | { kind: 'topic'; topic: string }
  | SearchIndexConnector
  | { kind: 'print' }
  | { kind: 'blackhole' }

export interface TableDef {
  name: string
  /** Where the CREATE TABLE is (for errors about the table). */
  at: { line: number; column: number }
  connector: Connector
  format: { kind: 'json' } | { kind: 'csv'; delimiter: string }
  physical: PhysicalColumn[]
  computed: ComputedColumn[]
  /** `WATERMARK FOR col AS col - INTERVAL …`: event time and its out-of-orderness bound. */
  watermark?: { column: string; boundMs: number }
  /** A `col AS PROCTIME()` column: processing time on the engine's clock. */
  proctime?: string
  primaryKey?: string[]
  partitionedBy?: string[]
}

const CONNECTORS: Record<
  string,
  { options: string[]; make(o: Record<string, string>, at: Token): Connector }
> = {
  kinesis: {
    options: [
      'stream',
      'stream.arn',
      'scan.stream.initpos',
      'aws.region',
      'format',
      'json.ignore-parse-errors',
      'json.timestamp-format.standard',
      'csv.field-delimiter',
      'sink.partitioner',
    ],
    make(o, at) {
      const stream = o.stream ?? o['stream.arn']?.replace(/^.*:stream\//, '')
      if (!stream) throw new SqlError("the kinesis connector needs 'stream'", at.line, at.column)
      const initpos = (o['scan.stream.initpos'] ?? 'LATEST').toUpperCase()
      if (initpos !== 'LATEST' && initpos !== 'TRIM_HORIZON')
        throw new SqlError(
          `'scan.stream.initpos' = '${initpos}' is not supported (LATEST or TRIM_HORIZON)`,
          at.line,
          at.column,
        )
      return { kind: 'stream', stream, initialPosition: initpos }
    },
  },
  dynamodb: {
    options: ['table-name', 'aws.region'],
    make(o, at) {
      if (!o['table-name'])
        throw new SqlError("the dynamodb connector needs 'table-name'", at.line, at.column)
      return { kind: 'table', table: o['table-name'] }
    },
  },
  filesystem: {
    options: ['path', 'format', 'csv.field-delimiter', 'json.timestamp-format.standard'],
    make(o, at) {
      const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(o.path ?? '')
      if (!m)
        throw new SqlError(
          "the filesystem connector needs 'path' = 's3://bucket/prefix/'",
          at.line,
          at.column,
        )
      const prefix = m[2]!
      return {
        kind: 'bucket',
        bucket: m[1]!,
        prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
      }
    },
  },
  sns: {
    options: ['topic', 'format'],
    make(o, at) {
      if (!o.topic) throw new SqlError("the sns connector needs 'topic'", at.line, at.column)
      return { kind: 'topic', topic: o.topic }
    },
  },
  'elasticsearch-7': searchIndexConnector('elasticsearch-7', []),
  'elasticsearch-6': searchIndexConnector('elasticsearch-6', ['document-type']),
  opensearch: searchIndexConnector('opensearch', ['allow-insecure']),
  print: { options: [], make: () => ({ kind: 'print' }) },
  blackhole: { options: [], make: () => ({ kind: 'blackhole' }) },
}

/** Analyzes a `CREATE TABLE` statement (its tokens). */
export function createTable(sql: string, tokens: readonly Token[]): TableDef {
  let i = 1
  if (isWord(tokens[i], 'TEMPORARY')) i++
  if (!isWord(tokens[i], 'TABLE')) fail(tokens[i] ?? tokens[0]!, 'only CREATE TABLE is supported')
  i++
  if (isWord(tokens[i], 'IF')) i += 3
  const nameTok = tokens[i]!
  const name = identName(nameTok)
  i++
  if (tokens[i]?.kind !== '(') fail(tokens[i] ?? nameTok, 'expected the column list')
  const close = closing(tokens, i)
  const table: TableDef = {
    name,
    at: errorAt([tokens[0]!]),
    connector: { kind: 'blackhole' },
    format: { kind: 'json' },
    physical: [],
    computed: [],
  }
  for (const item of splitCommas(tokens.slice(i + 1, close), true)) columnItem(sql, item, table)
  i = close + 1
  while (i < tokens.length) {
    const t = tokens[i]!
    if (isWord(t, 'COMMENT')) {
      i += 2
      continue
    }
    if (isWord(t, 'PARTITIONED') && isWord(tokens[i + 1], 'BY')) {
      const end = closing(tokens, i + 2)
      table.partitionedBy = splitCommas(tokens.slice(i + 3, end)).map((c) => identName(c[0]!))
      i = end + 1
      continue
    }
    if (isWord(t, 'WITH')) {
      const end = closing(tokens, i + 1)
      withOptions(tokens.slice(i + 2, end), table, t)
      i = end + 1
      continue
    }
    fail(t, `${t.text} is not supported in CREATE TABLE`)
  }
  if (table.connector.kind === 'index')
    for (const key of table.primaryKey ?? [])
      if (!table.physical.some((c) => c.name === key))
        fail(nameTok, `the primary key column '${key}' is not a column of '${name}'`)
  if (table.watermark && table.proctime === table.watermark.column)
    fail(nameTok, 'a processing-time column cannot carry a watermark')
  return table
}

function columnItem(sql: string, item: Token[], table: TableDef): void {
  const first = item[0]
  if (!first) return
  if (isWord(first, 'WATERMARK')) {
    // WATERMARK FOR col AS col [- INTERVAL 'n' UNIT]
    if (!isWord(item[1], 'FOR') || !isWord(item[3], 'AS'))
      fail(first, 'expected WATERMARK FOR column AS expression')
    const column = identName(item[2]!)
    const expr = item.slice(4)
    if (expr.length === 0 || identName(expr[0]!) !== column)
      fail(expr[0] ?? first, `the watermark must be ${column} or ${column} - INTERVAL …`)
    let boundMs = 0
    if (expr.length > 1) {
      if (expr[1]!.text !== '-') fail(expr[1]!, `the watermark must be ${column} - INTERVAL …`)
      boundMs = intervalMs(expr.slice(2))
    }
    table.watermark = { column, boundMs }
    return
  }
  if (isWord(first, 'PRIMARY') || isWord(first, 'CONSTRAINT')) {
    const open = item.findIndex((t) => t.kind === '(')
    table.primaryKey = splitCommas(item.slice(open + 1, closing(item, open))).map((c) => identName(c[0]!))
    return
  }
  const name = identName(first)
  if (isWord(item[1], 'AS')) {
    const expr = item.slice(2)
    const comment = expr.findIndex((t) => isWord(t, 'COMMENT'))
    const body = comment < 0 ? expr : expr.slice(0, comment)
    if (isWord(body[0], 'PROCTIME') && body[1]?.kind === '(' && body.length === 3) {
      table.proctime = name
      return
    }
    table.computed.push({ name, expr: translate(body, {}) })
    return
  }
  let end = item.length
  for (let k = 2; k < item.length; k++) {
    const t = item[k]!
    if (isWord(t, 'METADATA'))
      fail(t, 'METADATA columns are not supported', 'use a column of the record, or PROCTIME()')
    if (isWord(t, 'NOT', 'NULL', 'COMMENT', 'PRIMARY')) {
      end = k
      break
    }
  }
  if (item.slice(end).some((t) => isWord(t, 'PRIMARY'))) table.primaryKey = [name]
  table.physical.push({ name, type: columnType(item.slice(1, end), sql) })
}

function withOptions(tokens: Token[], table: TableDef, at: Token): void {
  const options: Record<string, string> = {}
  for (const pair of splitCommas(tokens)) {
    const [k, eq, v] = pair
    if (k?.kind !== 'string' || eq?.text !== '=' || v?.kind !== 'string' || pair.length !== 3)
      fail(pair[0] ?? at, "expected 'key' = 'value'")
    options[k.value] = v.value
  }
  const connectorName = options.connector
  if (connectorName === undefined) fail(at, "the table needs a 'connector' option")
  const connector = CONNECTORS[connectorName]
  if (!connector)
    fail(
      at,
      `connector '${connectorName}' is not supported`,
      `supported: ${Object.keys(CONNECTORS).join(', ')}`,
    )
  for (const key of Object.keys(options)) {
    if (key === 'connector' || connector.options.includes(key) || key.startsWith('aws.')) continue
    fail(
      at,
      `unsupported option '${key}' for connector '${connectorName}'`,
      `supported: ${connector.options.join(', ') || 'none'}`,
    )
  }
  table.connector = connector.make(options, at)
  const format = options.format ?? 'json'
  if (format === 'csv') table.format = { kind: 'csv', delimiter: options['csv.field-delimiter'] ?? ',' }
  else if (format !== 'json') fail(at, `format '${format}' is not supported (json or csv)`)
}

/** A column or table name: unquoted names keep the case they are written in. */
export function identName(t: Token): string {
  if (t.kind === 'quoted') return t.value
  if (t.kind !== 'ident') fail(t, `expected a name, found ${t.text}`)
  return t.text
}

export function fail(t: Token, message: string, hint?: string): never {
  throw new SqlError(message, t.line, t.column, hint)
}

export { textOf }
