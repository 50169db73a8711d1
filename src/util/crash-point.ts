/**
 * Fault injection for crash tests: `TRIBUTARY_CRASH_AT=<point>:<n>[,<point>:<n>...]` makes the
 * process SIGKILL itself the n-th time it reaches `<point>`. Unset (always, outside tests) this
 * is one property lookup per call.
 *
 * Points: `lake.temp-written`, `lake.renamed` (bucket store), `delivery.intent`,
 * `delivery.written`, `delivery.committed` (delivery stream flush), `analytics.batch` (inside a
 * micro-batch's transaction), `analytics.committed`, `analytics.delivered` (streaming SQL).
 */
const plan = parse(process.env.TRIBUTARY_CRASH_AT)
const hits = new Map<string, number>()

function parse(text: string | undefined): Map<string, number> | undefined {
  if (!text) return undefined
  const out = new Map<string, number>()
  for (const part of text.split(',')) {
    const [point, n] = part.split(':')
    if (point && Number(n) >= 1) out.set(point, Number(n))
  }
  return out
}

export function crashPoint(name: string): void {
  if (!plan) return
  const target = plan.get(name)
  if (target === undefined) return
  const n = (hits.get(name) ?? 0) + 1
  hits.set(name, n)
  if (n === target) process.kill(process.pid, 'SIGKILL')
}
