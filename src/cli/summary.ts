import type { SummaryBlock, SummaryView } from '../kind/kind.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'

function n(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

function rate(perSecond: number): string {
  if (perSecond === 0) return '0'
  return perSecond < 10 ? perSecond.toFixed(1) : n(perSecond)
}

function age(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map(
    (r) =>
      `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`,
  )
}

/**
 * The live summary `tributary dev` prints: per mapping records in, invocations, errors and
 * iterator age; per function invocations, errors, throttles and mean duration; records into each
 * stream; per delivery stream records and files in the lake; alarm states; queue depths. Counts
 * are totals since start; the `/s` columns are rates since the previous summary. A summary that
 * would say what the last one said is not printed: an idle pipeline prints nothing.
 */
export class SummaryPrinter {
  #lastBody: string | undefined
  #lastAt: number
  #totals = new Map<string, number>()
  #previous = new Map<string, number>()
  #seconds = 1

  /** `startedAt`: epoch ms the first summary's rates run from. */
  constructor(startedAt: number) {
    this.#lastAt = startedAt
  }

  /** The summary at `now`, or undefined when nothing changed since the last one returned. */
  render(runtime: PipelineRuntime, now: Date): string | undefined {
    this.#seconds = Math.max(0.001, (now.getTime() - this.#lastAt) / 1000)
    this.#totals = new Map()
    const body = this.#body(runtime).join('\n')
    // Rates move on even when nothing is printed: the next one is over the time since this one.
    this.#lastAt = now.getTime()
    this.#previous = this.#totals
    if (body === this.#lastBody) return undefined
    this.#lastBody = body
    const head = `── ${runtime.pipeline.name} · ${now.toISOString().slice(11, 19)} UTC · totals since start, /s since the last summary `
    return `${head}${'─'.repeat(Math.max(3, 100 - head.length))}\n${body}`
  }

  /** Records `total` under `key` and returns its rate per second since the last summary. */
  #rate(key: string, total: number): string {
    this.#totals.set(key, total)
    return rate(Math.max(0, total - (this.#previous.get(key) ?? 0)) / this.#seconds)
  }

  #body(runtime: PipelineRuntime): string[] {
    const view: SummaryView = { rate: (key, total) => this.#rate(key, total), count: n, age }
    return render(runtime.summary(view))
  }
}

/**
 * The kinds' blocks as text: a table per name (blocks of the same name join it, under the first
 * one's header; none is printed without rows), a line per name (`  queues  a: ... · b: ...`).
 */
function render(blocks: readonly SummaryBlock[]): string[] {
  const tables = new Map<string, string[][]>()
  const lines = new Map<string, string[]>()
  const order: Array<{ table: string } | { line: string }> = []
  for (const block of blocks) {
    if ('table' in block) {
      const rows = tables.get(block.table)
      if (rows) rows.push(...block.rows)
      else {
        tables.set(block.table, [[...block.header], ...block.rows])
        order.push({ table: block.table })
      }
    } else {
      const items = lines.get(block.line)
      if (items) items.push(...block.items)
      else {
        lines.set(block.line, [...block.items])
        order.push({ line: block.line })
      }
    }
  }
  return order.flatMap((o) => {
    if ('table' in o) {
      const rows = tables.get(o.table)!
      return rows.length > 1 ? table(rows) : []
    }
    const items = lines.get(o.line)!
    return items.length ? [`  ${o.line.padEnd(7)} ${items.join(' · ')}`] : []
  })
}
