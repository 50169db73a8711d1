import { parsingError } from './errors.ts'

type Bare = (text: { phrase: string } | { word: string }) => unknown

/**
 * The Lucene query syntax of `query_string` (and, close enough, `simple_query_string`), translated
 * to the query DSL: words and `"phrases"` (over the default fields), `field:value`,
 * `field:"phrase"`, `field:[a TO b]` / `{a TO b}`, `field:>=5`, `field:pre*`, `_exists_:field`,
 * `AND` `OR` `NOT` (`&&` `||` `!`), `+must` `-not`, parentheses and `*`. Words next to each other
 * are joined by the default operator (OR unless `default_operator` says AND).
 */
export function parseQueryString(
  text: string,
  options: { and: boolean; simple: boolean },
  bare: Bare,
): unknown {
  const lexed = lex(text, options.simple)
  let at = 0
  const peek = () => lexed[at]
  const fail = (why: string): never => {
    throw parsingError(`Failed to parse query [${text}]: ${why}`)
  }

  const or = (): unknown => {
    const parts = [and()]
    while (peek()?.op === 'OR') {
      at++
      parts.push(and())
    }
    return parts.length === 1 ? parts[0] : { bool: { should: parts } }
  }
  const and = (): unknown => {
    const must: unknown[] = []
    const should: unknown[] = []
    const mustNot: unknown[] = []
    let explicitAnd = false
    while (at < lexed.length && peek()!.op !== 'OR' && peek()!.op !== ')') {
      if (peek()!.op === 'AND') {
        at++
        explicitAnd = true
        continue
      }
      const [sign, q] = unary()
      if (sign === '-') mustNot.push(q)
      else if (sign === '+' || options.and || explicitAnd) must.push(q)
      else should.push(q)
    }
    if (must.length + should.length + mustNot.length === 0) fail('expected a term')
    if (explicitAnd && should.length > 0) {
      must.push(...should)
      should.length = 0
    }
    if (must.length === 1 && should.length === 0 && mustNot.length === 0) return must[0]
    if (should.length === 1 && must.length === 0 && mustNot.length === 0) return should[0]
    const bool: Record<string, unknown> = {}
    if (must.length) bool.must = must
    if (should.length) bool.should = should
    if (mustNot.length) bool.must_not = mustNot
    if (must.length === 0 && should.length === 0) bool.must = [{ match_all: {} }]
    return { bool }
  }
  const unary = (): ['+' | '-' | '', unknown] => {
    const t = peek()
    if (t?.op === 'NOT' || t?.op === '-') {
      at++
      return ['-', primary()]
    }
    if (t?.op === '+') {
      at++
      return ['+', primary()]
    }
    return ['', primary()]
  }
  const primary = (): unknown => {
    const t = lexed[at++]
    if (!t) return fail('unexpected end of query')
    if (t.op === '(') {
      const inner = or()
      if (lexed[at++]?.op !== ')') fail("missing ')'")
      return inner
    }
    if (t.field !== undefined) return fielded(t.field, t)
    if (t.phrase !== undefined) return bare({ phrase: t.phrase })
    if (t.word === undefined) return fail(`unexpected '${t.op}'`)
    if (t.word === '*') return { match_all: {} }
    if (t.word.endsWith('*')) return bare({ word: t.word.slice(0, -1) })
    return bare({ word: t.word })
  }
  const result = or()
  if (at < lexed.length) fail(`unexpected '${lexed[at]!.op ?? lexed[at]!.word}'`)
  return result
}

interface Token {
  op?: string
  word?: string
  phrase?: string
  field?: string
  range?: { lower: string; upper: string; includeLower: boolean; includeUpper: boolean }
}

function fielded(field: string, t: Token): unknown {
  if (field === '_exists_') return { exists: { field: t.word } }
  if (t.range) {
    const r: Record<string, string> = {}
    if (t.range.lower !== '*') r[t.range.includeLower ? 'gte' : 'gt'] = t.range.lower
    if (t.range.upper !== '*') r[t.range.includeUpper ? 'lte' : 'lt'] = t.range.upper
    return { range: { [field]: r } }
  }
  if (t.phrase !== undefined) return { match_phrase: { [field]: t.phrase } }
  const word = t.word!
  const cmp = /^(>=|<=|>|<)(.+)$/.exec(word)
  if (cmp)
    return { range: { [field]: { [{ '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[cmp[1]!]!]: cmp[2] } } }
  if (word === '*') return { exists: { field } }
  if (/^[^*?]+\*$/.test(word)) return { prefix: { [field]: word.slice(0, -1) } }
  if (/[*?]/.test(word)) return { wildcard: { [field]: word } }
  return { match: { [field]: word } }
}

function lex(text: string, simple: boolean): Token[] {
  const out: Token[] = []
  const re =
    /\s*(?:(\(|\))|(&&|\|\||!)|(AND|OR|NOT)(?=[\s()]|$)|([+-])(?=\S)|(\|)|"((?:[^"\\]|\\.)*)"|([\w.*@-]+):(?:"((?:[^"\\]|\\.)*)"|([[{])\s*(\S+)\s+TO\s+(\S+?)\s*([\]}])|((?:[^\s()"\\]|\\.)+))|((?:[^\s()"\\]|\\.)+))/y
  re.lastIndex = 0
  while (re.lastIndex < text.length) {
    const m = re.exec(text)
    if (!m || m[0].trim() === '') break
    if (m[1]) out.push({ op: m[1] })
    else if (m[2]) out.push({ op: { '&&': 'AND', '||': 'OR', '!': 'NOT' }[m[2]]! })
    else if (m[3]) out.push({ op: simple ? undefined : m[3], ...(simple ? { word: m[3] } : {}) })
    else if (m[4]) out.push({ op: m[4] })
    else if (m[5]) out.push({ op: 'OR' })
    else if (m[6] !== undefined) out.push({ phrase: unquote(m[6]) })
    else if (m[7] !== undefined) {
      const field = m[7]
      if (m[8] !== undefined) out.push({ field, phrase: unquote(m[8]) })
      else if (m[9] !== undefined)
        out.push({
          field,
          range: { lower: m[10]!, upper: m[11]!, includeLower: m[9] === '[', includeUpper: m[12] === ']' },
        })
      else out.push({ field, word: unquote(m[13]!) })
    } else if (m[14] !== undefined) out.push({ word: unquote(m[14]) })
  }
  if (re.lastIndex < text.length && text.slice(re.lastIndex).trim() !== '')
    throw parsingError(`Failed to parse query [${text}]: unexpected '${text.slice(re.lastIndex)}'`)
  return out
}

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1')
}
