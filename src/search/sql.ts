/** A piece of SQL over `docs d` with its parameters. */
export interface Sql {
  sql: string
  params: unknown[]
}
