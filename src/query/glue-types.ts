/**
 * Glue (Hive DDL) column types → DuckDB types, so a catalog table reads with the types it
 * declares. Nested types (`array<...>`, `struct<a:int,...>`, `map<k,v>`) map recursively.
 */

const SCALARS: Record<string, string> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  binary: 'BLOB',
  // Hive's default precision and scale for a bare `decimal`.
  decimal: 'DECIMAL(10,0)',
}

/** A Glue type the query engine cannot map. */
export class UnsupportedTypeError extends Error {
  override readonly name = 'UnsupportedTypeError'
}

/**
 * @example
 * duckdbType('decimal(12,2)') // 'DECIMAL(12,2)'
 * duckdbType('array<struct<id:bigint,tag:string>>') // 'STRUCT("id" BIGINT, "tag" VARCHAR)[]'
 */
export function duckdbType(glueType: string): string {
  const parser = new TypeParser(glueType)
  const type = parser.type()
  parser.end()
  return type
}

class TypeParser {
  private at = 0
  constructor(private readonly text: string) {}

  type(): string {
    const word = this.word().toLowerCase()
    if (word === 'array') {
      this.expect('<')
      const item = this.type()
      this.expect('>')
      return `${item}[]`
    }
    if (word === 'map') {
      this.expect('<')
      const key = this.type()
      this.expect(',')
      const value = this.type()
      this.expect('>')
      return `MAP(${key}, ${value})`
    }
    if (word === 'struct') {
      this.expect('<')
      const fields: string[] = []
      do {
        const field = this.word()
        this.expect(':')
        fields.push(`${quoteIdent(field)} ${this.type()}`)
      } while (this.accept(','))
      this.expect('>')
      return `STRUCT(${fields.join(', ')})`
    }
    if ((word === 'decimal' || word === 'varchar' || word === 'char') && this.accept('(')) {
      const args = [this.number()]
      if (this.accept(',')) args.push(this.number())
      this.expect(')')
      return word === 'decimal' ? `DECIMAL(${args[0]},${args[1] ?? 0})` : 'VARCHAR'
    }
    const scalar = SCALARS[word]
    if (!scalar) throw this.error(`unknown type '${word}'`)
    return scalar
  }

  end(): void {
    this.skipSpace()
    if (this.at < this.text.length) throw this.error(`unexpected '${this.text.slice(this.at)}'`)
  }

  private word(): string {
    this.skipSpace()
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at))
    if (!m) throw this.error('expected a type name')
    this.at += m[0].length
    return m[0]
  }

  private number(): string {
    this.skipSpace()
    const m = /^\d+/.exec(this.text.slice(this.at))
    if (!m) throw this.error('expected a number')
    this.at += m[0].length
    return m[0]
  }

  private accept(char: string): boolean {
    this.skipSpace()
    if (this.text[this.at] !== char) return false
    this.at++
    return true
  }

  private expect(char: string): void {
    if (!this.accept(char)) throw this.error(`expected '${char}'`)
  }

  private skipSpace(): void {
    while (this.text[this.at] === ' ') this.at++
  }

  private error(what: string): UnsupportedTypeError {
    return new UnsupportedTypeError(
      `'${this.text}': ${what} (supported: string, int, bigint, double, float, boolean, timestamp, date, ` +
        'decimal(p,s), binary, array<...>, struct<...>, map<...>)',
    )
  }
}

/** A DuckDB identifier in double quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A DuckDB string literal in single quotes. */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}
