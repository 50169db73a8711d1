/**
 * Firehose's MetadataExtractionQuery is one JQ object construction, `{key: query, ...}`, whose keys
 * become `partitionKeyFromQuery` names. The delivery config keeps the queries per key; these two
 * functions convert between the forms. Nested braces, brackets, parentheses and string literals
 * inside a query are kept whole.
 */
export function parseJqObject(text: string): Record<string, string> | undefined {
  const body = text.trim()
  if (!body.startsWith('{') || !body.endsWith('}')) return undefined
  const out: Record<string, string> = {}
  for (const entry of splitTopLevel(body.slice(1, -1), ',')) {
    const colon = splitTopLevel(entry, ':')
    if (colon.length < 2) return undefined
    const key = unquote(colon[0]!.trim())
    const query = entry.slice(colon[0]!.length + 1).trim()
    if (!key || !query) return undefined
    out[key] = query
  }
  return Object.keys(out).length ? out : undefined
}

export function formatJqObject(queries: Record<string, string>): string {
  const keys = Object.entries(queries).map(
    ([k, q]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}:${q}`,
  )
  return `{${keys.join(',')}}`
}

function unquote(key: string): string | undefined {
  if (/^[A-Za-z_]\w*$/.test(key)) return key
  if (key.startsWith('"') && key.endsWith('"')) {
    try {
      return JSON.parse(key) as string
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Splits at `sep` outside brackets and string literals. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = []
  let depth = 0
  let inString = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if ('{[('.includes(c)) depth++
    else if ('}])'.includes(c)) depth--
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.filter((p) => p.trim() !== '')
}
