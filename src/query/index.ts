/** SQL over the lake: catalog tables as DuckDB views, results as plain values, text output. */

export {
  formatCsv,
  formatJson,
  formatResult,
  formatTable,
  type OutputFormat,
  type TableOptions,
} from './format.ts'
export { duckdbType, UnsupportedTypeError } from './glue-types.ts'
export {
  type LakeQuery,
  LakeQueryError,
  type LakeQueryOptions,
  openLakeQuery,
  type QueryColumn,
  type QueryOptions,
  type QueryParam,
  type QueryParams,
  type QueryResult,
} from './lake-query.ts'
export type { QueryValue } from './values.ts'
export { type CatalogTable, CatalogTableError, tablePatterns } from './views.ts'
