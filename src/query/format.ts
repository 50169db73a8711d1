import type { QueryResult } from './lake-query.ts'
import type { QueryValue } from './values.ts'

export type OutputFormat = 'table' | 'json' | 'csv'

export interface TableOptions {
  /** Cells longer than this many characters end in `…`. Default 60. */
  maxCellWidth?: number
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/

/** A value as text: decimals with their declared scale (`11.50`), nested values as JSON. */
function text(value: Exclude<QueryValue, null>, type: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') {
    const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(type)?.[1]
    return scale === undefined ? String(value) : value.toFixed(Number(scale))
  }
  if (typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

const cellText = (value: QueryValue, type: string) => (value === null ? 'NULL' : text(value, type))

function oneLine(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break the grid
  const flat = text.replace(/\r\n|\n|\r/g, '↵').replace(/[\u0000-\u001f]/g, ' ')
  const chars = [...flat]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat
}

const width = (text: string) => [...text].length

/**
 * An aligned text table in the psql style: header, separator, numbers right-aligned, NULL shown
 * as `NULL`, long cells cut with `…`, and a row-count footer.
 *
 * @example
 * formatTable({ columns: [{ name: 'n', type: 'BIGINT' }], rows: [[3]], rowCount: 1, truncated: false })
 * // ' n\n---\n 3\n(1 row)\n'
 */
export function formatTable(result: QueryResult, options: TableOptions = {}): string {
  const max = Math.max(2, options.maxCellWidth ?? 60)
  const right = result.columns.map((c) => NUMERIC.test(c.type))
  const header = result.columns.map((c) => oneLine(c.name, max))
  const body = result.rows.map((row) =>
    row.map((v, i) => oneLine(cellText(v, result.columns[i]?.type ?? ''), max)),
  )
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? ''))))
  const pad = (text: string, i: number, alignRight: boolean) => {
    const fill = ' '.repeat(widths[i]! - width(text))
    return alignRight ? fill + text : text + fill
  }
  const line = (cells: string[], alignRight: (i: number) => boolean) =>
    cells
      .map((c, i) => ` ${pad(c, i, alignRight(i))} `)
      .join('|')
      .trimEnd()
  const out: string[] = []
  if (result.columns.length > 0) {
    out.push(line(header, () => false))
    out.push(widths.map((w) => '-'.repeat(w + 2)).join('+'))
    for (const row of body) out.push(line(row, (i) => right[i] === true))
  }
  out.push(footer(result))
  return `${out.join('\n')}\n`
}

function footer(result: QueryResult): string {
  const n = result.rowCount
  const rows = `${n} ${n === 1 ? 'row' : 'rows'}`
  return result.truncated ? `(${rows}; more rows not shown)` : `(${rows})`
}

/**
 * A JSON array of row objects keyed by column name, one row per line, so the output is valid
 * JSON and still greps line by line.
 */
export function formatJson(result: QueryResult): string {
  if (result.rows.length === 0) return '[]\n'
  const lines = result.rows.map((row) => {
    const object: Record<string, QueryValue> = {}
    result.columns.forEach((c, i) => {
      object[c.name] = row[i] ?? null
    })
    return JSON.stringify(object)
  })
  return `[\n${lines.join(',\n')}\n]\n`
}

/** RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they need it, NULL as empty. */
export function formatCsv(result: QueryResult): string {
  const field = (value: QueryValue, type = '') => {
    if (value === null) return ''
    const t = text(value, type)
    return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t
  }
  const types = result.columns.map((c) => c.type)
  const lines = [
    result.columns.map((c) => field(c.name)),
    ...result.rows.map((row) => row.map((v, i) => field(v, types[i]))),
  ]
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('')
}

export function formatResult(result: QueryResult, format: OutputFormat, options?: TableOptions): string {
  return format === 'json'
    ? formatJson(result)
    : format === 'csv'
      ? formatCsv(result)
      : formatTable(result, options)
}
