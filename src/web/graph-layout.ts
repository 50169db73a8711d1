import type { GraphEdge, GraphNode, PipelineGraph } from './graph.ts'
import { assignLayers } from './graph-layers.ts'

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface PlacedNode extends GraphNode, Box {
  /** Column: 0 for sources, growing along the data flow. */
  layer: number
}

export interface PlacedEdge extends GraphEdge {
  /** SVG path data from the source's side to the target's. */
  path: string
  /** Where the label (and the live rate under it) is drawn; absent for a bare edge. */
  labelBox?: Box
  /** A cycle's closing edge: it runs back under the graph. */
  back: boolean
  /** The unit of the edge's live rate (`records/s`, ...), when it has one: a second label line. */
  rate?: string
}

export interface GraphLayout {
  nodes: PlacedNode[]
  edges: PlacedEdge[]
  width: number
  height: number
}

/** Sizes in SVG pixels; the page's CSS draws edge labels in a 10 px monospace font. */
export const NODE_W = 168
export const NODE_H = 52
const ROW_GAP = 18
const PAD = 16
/** The slot an edge passing through a column takes. */
const PASS_H = 6
const PASS_GAP = 8
/** Width of one character of an edge label (10 px monospace is 6.0-6.1 px). */
export const LABEL_CHAR_W = 6.3
const LABEL_LINE_H = 13
const LABEL_PAD = 4
const LABEL_GAP = 3
/** Space between a gap's labels and the columns either side. */
const GAP_MARGIN = 14
const MIN_GAP = 56
/** Characters reserved for a rate (`999.9k records/s`), so the layout does not move as it changes. */
export const RATE_CHARS = 16

type Item = { id: string; height: number; y: number; node?: PlacedNode }

/** The label's box size: one line for the label, a second for the rate. */
function labelSize(edge: GraphEdge & { rate?: string }): { width: number; height: number } | undefined {
  const lines = [edge.label, ...(edge.rate ? ['x'.repeat(RATE_CHARS)] : [])].filter((l) => l !== '')
  if (lines.length === 0) return undefined
  const chars = Math.max(...lines.map((l) => l.length))
  return {
    width: Math.ceil(chars * LABEL_CHAR_W) + 2 * LABEL_PAD,
    height: lines.length * LABEL_LINE_H + 2 * LABEL_PAD,
  }
}

const curve = (ax: number, ay: number, bx: number, by: number) => {
  const mid = (ax + bx) / 2
  return `C${r(mid)},${r(ay)} ${r(mid)},${r(by)} ${r(bx)},${r(by)}`
}
const r = (n: number) => Math.round(n * 10) / 10

/**
 * A layered drawing of the graph (after Sugiyama): columns by data flow (sources left, sinks
 * right), rows ordered to cut crossings, edges that skip columns routed through slots of their
 * own, and every label in the gap after its edge's source, stacked so that no two labels and no
 * label and node overlap. Cycles are closed by edges that run back under the graph.
 */
export function layoutGraph(
  graph: PipelineGraph & { edges: Array<GraphEdge & { rate?: string }> },
): GraphLayout {
  const { layer, back } = assignLayers(graph.nodes, graph.edges)
  const maxLayer = Math.max(0, ...layer.values())
  const columns: Item[][] = Array.from({ length: maxLayer + 1 }, () => [])
  const nodes = graph.nodes.map(
    (n): PlacedNode => ({ ...n, layer: layer.get(n.id)!, x: 0, y: 0, width: NODE_W, height: NODE_H }),
  )
  const items = new Map<string, Item>()
  for (const node of [...nodes].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
  )) {
    const item = { id: node.id, height: NODE_H, y: 0, node }
    items.set(node.id, item)
    columns[node.layer]!.push(item)
  }
  // Each forward edge as a chain of items, one per column it touches.
  const chains = new Map<string, Item[]>()
  for (const edge of graph.edges) {
    if (back.has(edge.id)) continue
    const chain = [items.get(edge.from)!]
    for (let l = layer.get(edge.from)! + 1; l < layer.get(edge.to)!; l++) {
      const pass = { id: `${edge.id}#${l}`, height: PASS_H, y: 0 }
      columns[l]!.push(pass)
      chain.push(pass)
    }
    chain.push(items.get(edge.to)!)
    chains.set(edge.id, chain)
  }
  orderColumns(columns, [...chains.values()])
  placeRows(columns, [...chains.values()])

  // Gap widths from the labels each gap holds.
  const gapWidth = new Array(maxLayer).fill(MIN_GAP)
  for (const edge of graph.edges) {
    const size = labelSize(edge)
    const l = layer.get(edge.from)!
    if (size && !back.has(edge.id) && l < maxLayer)
      gapWidth[l] = Math.max(gapWidth[l], size.width + 2 * GAP_MARGIN)
  }
  const columnX = [PAD]
  for (let l = 1; l <= maxLayer; l++) columnX.push(columnX[l - 1]! + NODE_W + gapWidth[l - 1])
  for (const node of nodes) node.x = columnX[node.layer]!

  const ports = portPositions(graph.edges, chains)
  const placed = new Map<string, PlacedEdge>()
  let bottom = Math.max(0, ...columns.flat().map((i) => i.y + i.height))
  // Forward edges: labels stacked per gap, then paths through them.
  for (let gap = 0; gap < maxLayer; gap++) {
    const inGap = graph.edges.filter((e) => chains.has(e.id) && layer.get(e.from) === gap)
    const wanted = inGap.map((edge) => {
      const chain = chains.get(edge.id)!
      const y1 = ports.out.get(edge.id)!
      const y2 = chain.length > 2 ? center(chain[1]!) : ports.in.get(edge.id)!
      return { edge, y1, y2, size: labelSize(edge), mid: (y1 + y2) / 2 }
    })
    let floor = Number.NEGATIVE_INFINITY
    for (const w of wanted.filter((w) => w.size).sort((a, b) => a.mid - b.mid)) {
      const top = Math.max(w.mid - w.size!.height / 2, floor)
      const x = columnX[gap]! + NODE_W + (gapWidth[gap] - w.size!.width) / 2
      placed.set(w.edge.id, { ...w.edge, back: false, path: '', labelBox: { x, y: top, ...w.size! } })
      floor = top + w.size!.height + LABEL_GAP
      bottom = Math.max(bottom, floor)
    }
    for (const w of wanted) {
      const chain = chains.get(w.edge.id)!
      const edge = placed.get(w.edge.id) ?? { ...w.edge, back: false, path: '' }
      const x1 = columnX[gap]! + NODE_W
      let d = `M${r(x1)},${r(w.y1)} `
      let from = { x: x1, y: w.y1 }
      if (edge.labelBox) {
        const ly = edge.labelBox.y + edge.labelBox.height / 2
        d += `${curve(from.x, from.y, edge.labelBox.x, ly)} L${r(edge.labelBox.x + edge.labelBox.width)},${r(ly)} `
        from = { x: edge.labelBox.x + edge.labelBox.width, y: ly }
      }
      for (const pass of chain.slice(1, -1)) {
        const l = layer.get(w.edge.from)! + chain.indexOf(pass)
        d += `${curve(from.x, from.y, columnX[l]!, center(pass))} L${r(columnX[l]! + NODE_W)},${r(center(pass))} `
        from = { x: columnX[l]! + NODE_W, y: center(pass) }
      }
      d += curve(from.x, from.y, columnX[layer.get(w.edge.to)!]!, ports.in.get(w.edge.id)!)
      placed.set(w.edge.id, { ...edge, path: d })
    }
  }
  // Back edges: down from the source, along a lane of their own under everything, up into the target.
  let lane = bottom + ROW_GAP
  for (const edge of graph.edges.filter((e) => back.has(e.id))) {
    const [a, b] = [items.get(edge.from)!.node!, items.get(edge.to)!.node!]
    const [sx, tx] = [a.x + NODE_W * 0.6, b.x + NODE_W * 0.4]
    const size = labelSize(edge)
    const laneY = lane + (size ? size.height / 2 : 0)
    const labelBox = size && { x: Math.min(sx, tx) + (Math.abs(sx - tx) - size.width) / 2, y: lane, ...size }
    const path = `M${r(sx)},${r(a.y + NODE_H)} L${r(sx)},${r(laneY)} L${r(tx)},${r(laneY)} L${r(tx)},${r(b.y + NODE_H)}`
    placed.set(edge.id, { ...edge, back: true, path, ...(labelBox ? { labelBox } : {}) })
    lane += (size?.height ?? 0) + ROW_GAP
  }
  const edges = graph.edges.map((e) => placed.get(e.id)!)
  const width = columnX[maxLayer]! + NODE_W + PAD
  const height = Math.ceil(Math.max(lane - ROW_GAP, bottom) + PAD)
  return { nodes, edges, width: Math.ceil(width), height }
}

const center = (item: Item) => item.y + item.height / 2

/** Each item's neighbours along the edge chains: the items just before it and just after it. */
function neighbours(chains: Item[][]): { before: Map<Item, Item[]>; after: Map<Item, Item[]> } {
  const before = new Map<Item, Item[]>()
  const after = new Map<Item, Item[]>()
  for (const chain of chains)
    for (let i = 1; i < chain.length; i++) {
      before.set(chain[i]!, [...(before.get(chain[i]!) ?? []), chain[i - 1]!])
      after.set(chain[i - 1]!, [...(after.get(chain[i - 1]!) ?? []), chain[i]!])
    }
  return { before, after }
}

/** Orders each column by the mean position of its neighbours (barycenters), a few sweeps each way. */
function orderColumns(columns: Item[][], chains: Item[][]): void {
  const { before, after } = neighbours(chains)
  const index = new Map<Item, number>()
  const reindex = () => {
    for (const column of columns)
      column.forEach((item, i) => {
        index.set(item, i)
      })
  }
  reindex()
  const sweep = (column: Item[], adjacent: Map<Item, Item[]>) => {
    const key = new Map<Item, number>()
    for (const item of column) {
      const n = adjacent.get(item) ?? []
      key.set(item, n.length ? n.reduce((s, x) => s + index.get(x)!, 0) / n.length : index.get(item)!)
    }
    column.sort((a, b) => key.get(a)! - key.get(b)! || index.get(a)! - index.get(b)!)
    column.forEach((item, i) => {
      index.set(item, i)
    })
  }
  for (let round = 0; round < 4; round++) {
    for (let l = 1; l < columns.length; l++) sweep(columns[l]!, before)
    for (let l = columns.length - 2; l >= 0; l--) sweep(columns[l]!, after)
  }
  reindex()
}

/** Row positions: each item near its neighbours' centres, never closer to the next than the gap. */
function placeRows(columns: Item[][], chains: Item[][]): void {
  const { before, after } = neighbours(chains)
  const gap = (a: Item, b: Item) => (a.node && b.node ? ROW_GAP : PASS_GAP)
  const stack = (column: Item[], wanted: (item: Item) => number | undefined) => {
    let floor = PAD
    column.forEach((item, i) => {
      const want = wanted(item)
      item.y = Math.max(want === undefined ? floor : want - item.height / 2, floor)
      floor = item.y + item.height + (column[i + 1] ? gap(item, column[i + 1]!) : 0)
    })
  }
  const mean = (items: Item[] | undefined) =>
    items?.length ? items.reduce((s, i) => s + center(i), 0) / items.length : undefined
  for (const column of columns) stack(column, () => undefined)
  for (let round = 0; round < 2; round++) {
    for (const column of columns) stack(column, (item) => mean(before.get(item)))
    // Sources move next to what they feed.
    for (let l = columns.length - 2; l >= 0; l--)
      stack(columns[l]!, (item) => (before.has(item) ? center(item) : mean(after.get(item))))
  }
  const top = Math.min(...columns.flat().map((i) => i.y))
  for (const item of columns.flat()) {
    item.y += PAD - top
    if (item.node) item.node.y = item.y
  }
}

/** Where each edge leaves its source and enters its target: spread along the side, in the other end's order. */
function portPositions(edges: GraphEdge[], chains: Map<string, Item[]>) {
  const out = new Map<string, number>()
  const into = new Map<string, number>()
  const spread = (ends: Array<{ id: string; item: Item; other: Item }>, to: Map<string, number>) => {
    const byItem = new Map<Item, typeof ends>()
    for (const end of ends) byItem.set(end.item, [...(byItem.get(end.item) ?? []), end])
    for (const [item, list] of byItem) {
      list.sort((a, b) => center(a.other) - center(b.other))
      list.forEach((end, i) => {
        to.set(end.id, item.node ? item.y + ((i + 1) * item.height) / (list.length + 1) : center(item))
      })
    }
  }
  const starts = []
  const ends = []
  for (const edge of edges) {
    const chain = chains.get(edge.id)
    if (!chain) continue
    starts.push({ id: edge.id, item: chain[0]!, other: chain[1]! })
    ends.push({ id: edge.id, item: chain.at(-1)!, other: chain.at(-2)! })
  }
  spread(starts, out)
  spread(ends, into)
  return { out, in: into }
}
