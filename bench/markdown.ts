// Number formatting and Markdown tables for the report.
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')
export const fix = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—')
export const fix2 = (n: number) => fix(n, 2)
export const ratio = (t: number, k: number) =>
  k > 0 && Number.isFinite(t / k) ? `${(t / k).toFixed(2)}×` : '—'
export const mark = (ok: boolean) => (ok ? '✓' : '✗')
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`
/** KiB → MB (10^6 bytes), NaN when unknown. */
export const mb = (kib: number | undefined) => (kib === undefined ? Number.NaN : (kib * 1024) / 1e6)

export function table(head: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n')
}
