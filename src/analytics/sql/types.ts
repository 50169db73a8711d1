import { errorAt, SqlError, type Token } from './lexer.ts'

/** A column type: Flink's name for it as written, and the DuckDB type it is kept in. */
export interface ColumnType {
  flink: string
  duck: string
  /** A timestamp type (event time may be one). */
  timestamp: boolean
}

const SIMPLE: Record<string, string> = {
  STRING: 'VARCHAR',
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DATE: 'DATE',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
}

/**
 * Maps a Flink type (its tokens) to DuckDB. Timestamps keep milliseconds (DuckDB stores
 * microseconds; `TIMESTAMP(3)` values are whole milliseconds). Nested and binary types are
 * refused: JSON rows hold scalars here.
 */
export function columnType(tokens: readonly Token[], sql: string): ColumnType {
  const first = tokens[0]
  if (!first) throw new SqlError('a column needs a type', 1, 1)
  const flink = sql.slice(first.start, tokens[tokens.length - 1]!.end)
  const at = errorAt(tokens)
  const name = first.value
  const args = tokens.slice(1)
  if (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC') {
    const nums = args.filter((t) => t.kind === 'number').map((t) => Number(t.value))
    const [p = 10, s = 0] = nums
    if (p > 38) throw new SqlError(`DECIMAL precision ${p} is above 38`, at.line, at.column)
    return { flink, duck: `DECIMAL(${p},${s})`, timestamp: false }
  }
  if (name === 'DOUBLE') return { flink, duck: 'DOUBLE', timestamp: false }
  const duck = SIMPLE[name]
  if (duck === undefined || first.kind !== 'ident')
    throw new SqlError(
      `type ${flink} is not supported`,
      at.line,
      at.column,
      'supported: STRING, VARCHAR, CHAR, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ',
    )
  // `TIMESTAMP(3) WITH LOCAL TIME ZONE` is TIMESTAMP_LTZ: kept in UTC like every timestamp here.
  const rest = args.filter((t) => t.kind === 'ident').map((t) => t.value)
  if (rest.length > 0 && rest.join(' ') !== 'WITH LOCAL TIME ZONE' && rest.join(' ') !== 'WITHOUT TIME ZONE')
    throw new SqlError(`type ${flink} is not supported`, at.line, at.column)
  return { flink, duck, timestamp: duck === 'TIMESTAMP' }
}
