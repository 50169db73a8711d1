import { EdgeRates, withRateUnits } from './edge-rates.ts'
import { buildGraph } from './graph.ts'
import { type GraphLayout, layoutGraph } from './graph-layout.ts'
import type { DashboardSource } from './source.ts'

/**
 * The Overview graph of a running pipeline: laid out again only when the definition or the set of
 * observed binding uses changes (the page is told to redraw then), with live edge rates.
 */
export class GraphFeed {
  readonly #source: DashboardSource
  readonly #rates: EdgeRates
  #current: { key: string; layout: GraphLayout; json: string } | undefined

  constructor(source: DashboardSource) {
    this.#source = source
    this.#rates = new EdgeRates(source)
  }

  /** The current drawing and its JSON (compare the JSON to see whether it changed). */
  current(): { layout: GraphLayout; json: string } {
    const pipeline = this.#source.pipeline()
    const uses = this.#source.bindingUse?.() ?? []
    const key = `${JSON.stringify(pipeline)}\n${uses.map((u) => `${u.function}/${u.kind}/${u.resource}/${u.access}`).join()}`
    if (this.#current?.key !== key) {
      const layout = layoutGraph(withRateUnits(buildGraph(pipeline, uses)))
      this.#current = { key, layout, json: JSON.stringify(layout) }
    }
    return this.#current
  }

  /** Rates of the current graph's edges for the minute ending with `second` (ms). */
  rates(second: number): Record<string, number | null> {
    return this.#rates.sample(this.current().layout, second)
  }
}
