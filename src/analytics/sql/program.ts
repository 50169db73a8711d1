import { planQuery } from '../plan.ts'
import { createTable, type TableDef } from './catalog.ts'
import { isWord, SqlError, splitStatements, tokenize } from './lexer.ts'
import { analyzeQuery, type QuerySpec } from './query.ts'
import { grammarError } from './validate.ts'

/** What an analytics resource's SQL declares: its tables, and its continuous queries. */
export interface Program {
  tables: Map<string, TableDef>
  queries: QuerySpec[]
}

/**
 * Takes SQL apart without the grammar check (synchronous: config validation and references use
 * it). {@link compileProgram} runs the grammar first, so SQL that is not Flink SQL is reported by
 * the grammar's error rather than by this analysis.
 */
export function analyzeProgram(sql: string, options: { selectAllowed?: boolean } = {}): Program {
  const tables = new Map<string, TableDef>()
  const queries: QuerySpec[] = []
  for (const statement of splitStatements(tokenize(sql))) {
    const first = statement[0]!
    if (isWord(first, 'CREATE')) {
      if (isWord(statement[1], 'VIEW', 'FUNCTION', 'TEMPORARY') && !isWord(statement[2], 'TABLE'))
        throw new SqlError(`CREATE ${statement[1]!.text} is not supported`, first.line, first.column)
      const table = createTable(sql, statement)
      if (tables.has(table.name))
        throw new SqlError(`Table '${table.name}' already exists`, first.line, first.column)
      tables.set(table.name, table)
      continue
    }
    if (isWord(first, 'INSERT') || (options.selectAllowed && isWord(first, 'SELECT'))) {
      const query = analyzeQuery(statement, tables)
      // Translating the expressions finds what DuckDB would not run as Flink means it.
      planQuery(query, queries.length, 'src', 'dim')
      queries.push(query)
      continue
    }
    throw new SqlError(
      `${first.text} statements are not supported here`,
      first.line,
      first.column,
      options.selectAllowed ? 'CREATE TABLE, INSERT INTO and SELECT are' : 'CREATE TABLE and INSERT INTO are',
    )
  }
  if (queries.length === 0 && !options.selectAllowed)
    throw new SqlError(
      'no INSERT INTO statement: nothing would run',
      1,
      1,
      'add INSERT INTO sink SELECT … FROM source',
    )
  return { tables, queries }
}

/** Checks SQL against Flink's grammar, then analyzes it: the first problem as a {@link SqlError}. */
export async function compileProgram(
  sql: string,
  options: { selectAllowed?: boolean } = {},
): Promise<Program> {
  const grammar = await grammarError(sql)
  // The grammar refuses the SESSION table function; say what to use instead.
  if (grammar && /TABLE\s*\(\s*SESSION\s*\(/i.test(sql)) {
    const at = tokenize(sql).find((t, k, all) => t.value === 'SESSION' && all[k - 2]?.value === 'TABLE')
    throw new SqlError(
      'the SESSION window table function is not supported',
      at?.line ?? grammar.line,
      at?.column ?? grammar.column,
      'use the group window form: GROUP BY SESSION(ts, INTERVAL …), key',
    )
  }
  if (grammar) throw grammar
  return analyzeProgram(sql, options)
}
