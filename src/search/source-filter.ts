/** `_source` of a search: false (none), or the paths to include and exclude (`*` wildcards). */
export type SourceFilter = false | { includes: RegExp[]; excludes: RegExp[] }

export function sourceFilter(raw: unknown): SourceFilter {
  if (raw === false || raw === 'false') return false
  if (raw === undefined || raw === true || raw === 'true') return { includes: [], excludes: [] }
  const list = (v: unknown): string[] =>
    v === undefined
      ? []
      : Array.isArray(v)
        ? v.map(String)
        : String(v)
            .split(',')
            .filter((s) => s !== '')
  if (typeof raw === 'string' || Array.isArray(raw)) return { includes: list(raw).map(pattern), excludes: [] }
  const o = raw as { includes?: unknown; excludes?: unknown; include?: unknown; exclude?: unknown }
  return {
    includes: list(o.includes ?? o.include).map(pattern),
    excludes: list(o.excludes ?? o.exclude).map(pattern),
  }
}

/** A path pattern: matches the path and everything below it (`pickup` takes `pickup.zone`). */
function pattern(p: string): RegExp {
  const body = p
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}(\\..*)?$`)
}

/** The parts of `source` the filter keeps. */
export function filterSource(source: unknown, filter: Exclude<SourceFilter, false>): unknown {
  if (filter.includes.length === 0 && filter.excludes.length === 0) return source
  const walk = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k
      if (filter.excludes.some((re) => re.test(p))) continue
      const included = filter.includes.length === 0 || filter.includes.some((re) => re.test(p))
      if (included) out[k] = v
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const inner = walk(v, p) as Record<string, unknown>
        if (Object.keys(inner).length > 0) out[k] = inner
      }
    }
    return out
  }
  return walk(source, '')
}
