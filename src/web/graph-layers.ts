import type { GraphEdge, GraphNode } from './graph.ts'

/** A read through a binding: data flows into the function, but it must not make the resource a source. */
const isRead = (e: GraphEdge) => e.type === 'binding' && e.label === 'reads'

/**
 * Columns by data flow: every node one column right of the furthest node feeding it (longest
 * path), so sources are on the left and every edge points right. Cycles are broken by the edges
 * that close them (`back`): found by a depth-first search from the sources, with reads through
 * bindings considered last, since a function reading what its pipeline wrote further on (a
 * lookup) is the usual cycle. Nodes without edges go to the last column, with the sinks.
 */
export function assignLayers(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
): { layer: Map<string, number>; back: Set<string> } {
  const back = new Set<string>()
  const next = new Map<string, GraphEdge[]>()
  const link = (e: GraphEdge) => next.set(e.from, [...(next.get(e.from) ?? []), e])
  const flow = edges.filter((e) => !isRead(e))
  for (const e of flow) link(e)
  const hasInput = new Set(flow.map((e) => e.to))
  const state = new Map<string, 'open' | 'done'>()
  const visit = (id: string) => {
    state.set(id, 'open')
    for (const e of next.get(id) ?? []) {
      if (state.get(e.to) === 'open') back.add(e.id)
      else if (!state.has(e.to)) visit(e.to)
    }
    state.set(id, 'done')
  }
  for (const n of nodes) if (!hasInput.has(n.id) && !state.has(n.id)) visit(n.id)
  for (const n of nodes) if (!state.has(n.id)) visit(n.id)
  for (const e of edges.filter(isRead)) {
    if (reaches(next, back, e.to, e.from)) back.add(e.id)
    else link(e)
  }

  const layer = new Map(nodes.map((n) => [n.id, 0]))
  const incoming = new Map(nodes.map((n) => [n.id, 0]))
  const forward = edges.filter((e) => !back.has(e.id) && layer.has(e.from) && layer.has(e.to))
  for (const e of forward) incoming.set(e.to, incoming.get(e.to)! + 1)
  const ready = nodes.filter((n) => incoming.get(n.id) === 0).map((n) => n.id)
  while (ready.length > 0) {
    const id = ready.shift()!
    for (const e of next.get(id) ?? []) {
      if (back.has(e.id) || !layer.has(e.to)) continue
      layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(id)! + 1))
      incoming.set(e.to, incoming.get(e.to)! - 1)
      if (incoming.get(e.to) === 0) ready.push(e.to)
    }
  }
  const connected = new Set(edges.flatMap((e) => [e.from, e.to]))
  const last = Math.max(0, ...nodes.filter((n) => connected.has(n.id)).map((n) => layer.get(n.id)!))
  for (const n of nodes) if (!connected.has(n.id)) layer.set(n.id, last)
  return { layer, back }
}

/** Whether `to` can be reached from `from` over edges not marked back. */
function reaches(next: Map<string, GraphEdge[]>, back: Set<string>, from: string, to: string): boolean {
  const seen = new Set([from])
  const queue = [from]
  while (queue.length > 0) {
    const id = queue.shift()!
    if (id === to) return true
    for (const e of next.get(id) ?? [])
      if (!back.has(e.id) && !seen.has(e.to)) {
        seen.add(e.to)
        queue.push(e.to)
      }
  }
  return false
}
