/** A piece of SQL over `docs d` with its parameters. */
export interface Sql {
  sql: string
  params: unknown[]
}

/** `WITH m0 AS (...), m1 AS (...) ` before a statement (empty without CTEs). */
export function withCtes(ctes: Sql[]): string {
  return ctes.length === 0 ? '' : `WITH ${ctes.map((c) => c.sql).join(', ')} `
}

export function cteParams(ctes: Sql[]): unknown[] {
  return ctes.flatMap((c) => c.params)
}
