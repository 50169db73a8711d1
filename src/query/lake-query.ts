import { join, resolve } from 'node:path'
import type { DuckDBConnection, DuckDBResultReader, DuckDBValue } from '@duckdb/node-api'
import { quoteString } from './glue-types.ts'
import type { QueryValue } from './values.ts'
import { type CatalogTable, tablePatterns, viewSql } from './views.ts'

export interface LakeQueryOptions {
  /** The data directory (default layout: `<dataDir>/lake/<bucket>/<key>`). */
  dataDir: string
  /** Catalog tables (a pipeline's `catalog`): each becomes a view with the same name. */
  catalog?: Record<string, CatalogTable>
  /**
   * Lock DuckDB's configuration after setup, so SQL cannot `SET` extension auto-install or a
   * remote extension repository back on. Off by default: the local user may change settings.
   */
  lockConfiguration?: boolean
}

export type QueryParam = null | boolean | number | bigint | string
/** Positional (`?`, `$1`) or named (`$name`) parameters. */
export type QueryParams = QueryParam[] | Record<string, QueryParam>

export interface QueryOptions {
  /** Read at most this many rows; `truncated` says whether more were there. Default: all. */
  maxRows?: number
}

export interface QueryColumn {
  /** Column name (duplicates get DuckDB's `name:1` suffixes, so names are unique). */
  name: string
  /** DuckDB's type name, e.g. `BIGINT`, `DECIMAL(10,2)`, `TIMESTAMP`, `VARCHAR[]`. */
  type: string
}

export interface QueryResult {
  columns: QueryColumn[]
  /** One array per row, values converted as {@link QueryValue} documents. */
  rows: QueryValue[][]
  rowCount: number
  /** More rows existed than `maxRows`. */
  truncated: boolean
}

export interface LakeQuery {
  /** Absolute path of the lake directory. */
  readonly lakeDir: string
  /** The catalog tables available as views. */
  readonly tables: string[]
  query(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult>
  close(): Promise<void>
}

/** A statement DuckDB refused: `message` is its first line, `detail` the whole text. */
export class LakeQueryError extends Error {
  override readonly name = 'LakeQueryError'
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message)
  }
}

// A repository path that does not exist: `INSTALL x` fails locally instead of downloading.
const NO_REPOSITORY = '/nonexistent/tributary-no-extension-downloads'

/**
 * Opens an in-memory DuckDB over the lake. Relative file paths in SQL resolve against the
 * process's working directory first, then `dataDir` (DuckDB's `file_search_path`), so
 * `read_json_auto('lake/raw/**\/*.json.gz')` works from anywhere.
 *
 * @example
 * const lake = await openLakeQuery({ dataDir: '.tributary', catalog: pipeline.catalog })
 * const { rows } = await lake.query('SELECT count(*) FROM sensors WHERE day = $1', [23])
 * await lake.close()
 */
export async function openLakeQuery(options: LakeQueryOptions): Promise<LakeQuery> {
  const dataDir = resolve(options.dataDir)
  const lakeDir = join(dataDir, 'lake')
  const catalog = Object.entries(options.catalog ?? {})
  // Validates every declared type before anything opens.
  for (const [name, table] of catalog) viewSql(name, table, [])
  // Loaded on first use: the native library costs every process that imports it about 36 MB,
  // and `serve` or a `dev` nobody queries never needs it.
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const { toQueryValue } = await import('./values.ts')
  const instance = await DuckDBInstance.create(':memory:', {
    // json and parquet are linked into the binary; nothing is fetched from the network.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    custom_extension_repository: NO_REPOSITORY,
    autoinstall_extension_repository: NO_REPOSITORY,
    file_search_path: dataDir,
    lock_configuration: options.lockConfiguration ? 'true' : 'false',
  })
  const connection = await instance.connect()
  const views = new LakeViews(connection, catalog, lakeDir)
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false
  // One statement at a time on the connection; the view refresh and the query run together.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn)
    queue = next.catch(() => undefined)
    return next
  }
  return {
    lakeDir,
    tables: catalog.map(([name]) => name),
    query: (sql, params, queryOptions) =>
      serial(async () => {
        if (closed) throw new LakeQueryError('the lake query engine is closed', 'closed')
        await views.refresh()
        return run(connection, toQueryValue, sql, params, queryOptions?.maxRows)
      }),
    close: () =>
      serial(async () => {
        if (closed) return
        closed = true
        connection.closeSync()
        instance.closeSync()
      }),
  }
}

async function run(
  connection: DuckDBConnection,
  toQueryValue: (value: DuckDBValue) => QueryValue,
  sql: string,
  params: QueryParams | undefined,
  maxRows: number | undefined,
): Promise<QueryResult> {
  let reader: DuckDBResultReader
  try {
    reader =
      maxRows === undefined
        ? await connection.runAndReadAll(sql, params)
        : await connection.streamAndReadUntil(sql, maxRows + 1, params)
  } catch (error) {
    throw duckdbError(error)
  }
  const names = reader.deduplicatedColumnNames()
  const types = reader.columnTypes()
  const columns = names.map((name, i) => ({ name, type: String(types[i]) }))
  let raw = reader.getRows()
  const truncated = maxRows !== undefined && (raw.length > maxRows || !reader.done)
  if (maxRows !== undefined) raw = raw.slice(0, maxRows)
  const rows = raw.map((row) => row.map(toQueryValue))
  return { columns, rows, rowCount: rows.length, truncated }
}

export function duckdbError(error: unknown): LakeQueryError {
  const text = error instanceof Error ? error.message : String(error)
  // The node binding prefixes parser errors with its own step name; the user wants DuckDB's words.
  const first = text
    .split('\n')[0]!
    .replace(/^Failed to extract statements: /, '')
    .trim()
  return new LakeQueryError(first, text)
}

/**
 * Keeps one view per catalog table over the files that exist. DuckDB re-lists a glob on every
 * scan, so new files show up by themselves; what needs a rebuild is a pattern that goes from no
 * files to some (or back), because DuckDB refuses to read a glob without files.
 */
class LakeViews {
  private readonly current = new Map<string, string>()
  private readonly patterns: { table: string; pattern: string }[]

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly catalog: [string, CatalogTable][],
    lakeDir: string,
  ) {
    this.patterns = catalog.flatMap(([table, config]) =>
      tablePatterns(lakeDir, config).map((pattern) => ({ table, pattern })),
    )
  }

  async refresh(): Promise<void> {
    if (this.catalog.length === 0) return
    const probe = this.patterns
      .map((p, i) => `(SELECT ${i} AS i FROM glob(${quoteString(p.pattern)}) LIMIT 1)`)
      .join(' UNION ALL ')
    let found: Set<number>
    try {
      const reader = await this.connection.runAndReadAll(probe)
      found = new Set(reader.getRows().map((row) => Number(row[0])))
    } catch (error) {
      throw duckdbError(error)
    }
    for (const [name, table] of this.catalog) {
      const matching = this.patterns.filter((p, i) => p.table === name && found.has(i)).map((p) => p.pattern)
      const sql = viewSql(name, table, matching)
      if (this.current.get(name) === sql) continue
      try {
        await this.connection.run(sql)
      } catch (error) {
        throw duckdbError(error)
      }
      this.current.set(name, sql)
    }
  }
}
