import { posix } from 'node:path'
import { duckdbType, quoteIdent, quoteString, UnsupportedTypeError } from './glue-types.ts'

/** A catalog table as the query engine needs it (defaults optional, as in a pipeline file). */
export interface CatalogTable {
  bucket: string
  /** A directory inside the bucket, e.g. `curated/sensors/` (default: the whole bucket). */
  prefix?: string
  format?: 'parquet' | 'json'
  columns: { name: string; type: string }[]
  /** Hive-style `key=value` directories, read as columns. */
  partitionKeys?: { name: string; type: string }[]
}

/** A catalog declaration the query engine cannot turn into a view. */
export class CatalogTableError extends Error {
  override readonly name = 'CatalogTableError'
}

/**
 * File name globs a table reads, absolute. Names starting with `.` are skipped (temporary and
 * hidden files). JSON covers plain and gzip NDJSON: DuckDB picks gzip by the `.gz` extension;
 * ZIP- and Snappy-compressed objects are not readable by DuckDB and are left out.
 */
export function tablePatterns(lakeDir: string, table: CatalogTable): string[] {
  let prefix = table.prefix ?? ''
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/'
  const base = posix.join(lakeDir.replaceAll('\\', '/'), table.bucket, prefix)
  const dir = base.endsWith('/') ? base : `${base}/`
  return (table.format ?? 'parquet') === 'parquet'
    ? [`${dir}**/[!.]*.parquet`]
    : [`${dir}**/[!.]*.json`, `${dir}**/[!.]*.json.gz`]
}

interface TypedColumn {
  name: string
  type: string
}

function typed(tableName: string, columns: { name: string; type: string }[]): TypedColumn[] {
  return columns.map((c) => {
    try {
      return { name: c.name, type: duckdbType(c.type) }
    } catch (error) {
      if (error instanceof UnsupportedTypeError)
        throw new CatalogTableError(`catalog.${tableName}: column '${c.name}' has type ${error.message}`)
      throw error
    }
  })
}

/**
 * The `CREATE VIEW` for a table over the files that exist now. `matching` lists the patterns of
 * {@link tablePatterns} that match at least one file: DuckDB refuses a glob without files, so a
 * table with none becomes an empty view with the declared columns and types.
 */
export function viewSql(tableName: string, table: CatalogTable, matching: string[]): string {
  const columns = typed(tableName, table.columns)
  const keys = typed(tableName, table.partitionKeys ?? [])
  const head = `CREATE OR REPLACE VIEW ${quoteIdent(tableName)} AS`
  if (matching.length === 0) {
    const empty = [...columns, ...keys].map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`)
    return `${head} SELECT ${empty.join(', ')} WHERE false`
  }
  const files = `[${matching.map(quoteString).join(', ')}]`
  const hive =
    keys.length > 0
      ? `hive_partitioning = true, hive_types = {${keys.map((k) => `${quoteString(k.name)}: ${quoteString(k.type)}`).join(', ')}}`
      : 'hive_partitioning = false'
  const keyList = keys.map((k) => quoteIdent(k.name))
  if ((table.format ?? 'parquet') === 'parquet') {
    // Parquet files carry their own types; the casts make every file read as the catalog says.
    const list = columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`)
    return `${head} SELECT ${[...list, ...keyList].join(', ')} FROM read_parquet(${files}, union_by_name = true, ${hive})`
  }
  const declared = `{${columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ')}}`
  const list = columns.map((c) => quoteIdent(c.name))
  return `${head} SELECT ${[...list, ...keyList].join(', ')} FROM read_json(${files}, format = 'newline_delimited', columns = ${declared}, ${hive})`
}
