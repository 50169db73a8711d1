import { closing, isWord, splitCommas, splitStatements, tokenize } from './sql/lexer.ts'

/** One `'key' = 'value'` pair of a `CREATE TABLE … WITH (…)`, with where it is in the text. */
export interface TableOption {
  key: string
  value: string
  /** Offsets of the value's string literal (quotes included). */
  valueAt: { start: number; end: number }
  /** Offsets of the whole pair and the comma before it, if any (what removing it deletes). */
  pairAt: { start: number; end: number }
}

/** A `CREATE TABLE` statement's connector options. */
export interface TableWith {
  table: string
  connector: string | undefined
  options: TableOption[]
  /** Where an added option goes: right after the last option's value (before any comment or newline). */
  appendAt: number
}

/** A change to the SQL text: the characters `start`…`end` become `text`. */
export interface SqlEdit {
  start: number
  end: number
  text: string
}

/**
 * The `WITH (…)` options of every `CREATE TABLE` in Flink SQL, with their offsets, so that a
 * deployment can point the connectors at the deployed resources while the rest of the text —
 * comments and layout included — stays as written.
 */
export function tablesWith(sql: string): TableWith[] {
  const out: TableWith[] = []
  for (const statement of splitStatements(tokenize(sql))) {
    if (!isWord(statement[0], 'CREATE')) continue
    const tableAt = statement.findIndex((t) => isWord(t, 'TABLE'))
    if (tableAt < 0) continue
    let nameAt = tableAt + 1
    if (isWord(statement[nameAt], 'IF')) nameAt += 3
    const name = statement[nameAt]
    if (!name) continue
    const withAt = statement.findIndex(
      (t, i) => i > nameAt && isWord(t, 'WITH') && statement[i + 1]?.kind === '(',
    )
    if (withAt < 0) continue
    const close = closing(statement, withAt + 1)
    const options: TableOption[] = []
    const inside = statement.slice(withAt + 2, close)
    let previousEnd = statement[withAt + 1]!.end
    for (const pair of splitCommas(inside)) {
      const [k, eq, v] = pair
      if (k?.kind !== 'string' || eq?.text !== '=' || v?.kind !== 'string') continue
      // The comma before a pair goes with it, so removing any pair leaves the list well formed.
      const commaBefore = options.length > 0 ? previousEnd : k.start
      options.push({
        key: k.value,
        value: v.value,
        valueAt: { start: v.start, end: v.end },
        pairAt: { start: commaBefore, end: v.end },
      })
      previousEnd = v.end
    }
    out.push({
      table: name.kind === 'quoted' ? name.value : name.text,
      connector: options.find((o) => o.key === 'connector')?.value,
      options,
      appendAt: options.at(-1)?.valueAt.end ?? statement[close]!.start,
    })
  }
  return out
}

/** A Flink SQL string literal of `value` (quotes doubled). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** Applies non-overlapping edits to the text. */
export function applyEdits(sql: string, edits: readonly SqlEdit[]): string {
  let out = ''
  let at = 0
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += sql.slice(at, e.start) + e.text
    at = e.end
  }
  return out + sql.slice(at)
}
