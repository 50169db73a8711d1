import { SqlError } from './lexer.ts'

interface FlinkParser {
  validate(sql: string): { startLine: number; startColumn: number; message: string }[]
}

let parser: Promise<FlinkParser> | undefined

/**
 * Checks SQL against Flink's grammar (dt-sql-parser's ANTLR Flink grammar): the first error, with
 * its line and column, or undefined. The parser is loaded on first use: it is about 20 MB and
 * takes a second or two to warm up, which only a pipeline with `analytics` pays.
 */
export async function grammarError(sql: string): Promise<SqlError | undefined> {
  // The Flink dialect alone: the package's index loads every dialect (four times the code).
  parser ??= import('dt-sql-parser/dist/parser/flink/index.js').then(
    ({ FlinkSQL }) => new FlinkSQL() as FlinkParser,
  )
  const errors = (await parser).validate(sql)
  const first = errors[0]
  if (!first) return undefined
  return new SqlError(
    `SQL parse failed: ${first.message}`,
    first.startLine,
    first.startColumn,
    'the SQL must be valid Flink SQL (see docs/analytics.md)',
  )
}
