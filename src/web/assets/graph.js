// The pipeline graph: layered columns (sources on the left, sinks on the right), drawn as SVG.
import { s } from './dom.js'

const NODE_W = 168
const NODE_H = 52
const COL_GAP = 90
const ROW_GAP = 18
const PAD = 16

/** Draws `graph` ({ nodes, edges }) into `container`; returns a handle to update node stats. */
export function renderGraph(container, graph) {
  const columns = new Map()
  for (const node of graph.nodes) {
    if (!columns.has(node.layer)) columns.set(node.layer, [])
    columns.get(node.layer).push(node)
  }
  const layers = [...columns.keys()].sort((a, b) => a - b)
  const place = new Map()
  let height = 0
  layers.forEach((layer, col) => {
    const nodes = columns
      .get(layer)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
    nodes.forEach((node, row) => {
      place.set(node.id, { x: PAD + col * (NODE_W + COL_GAP), y: PAD + row * (NODE_H + ROW_GAP) })
    })
    height = Math.max(height, PAD * 2 + nodes.length * (NODE_H + ROW_GAP))
  })
  const width = PAD * 2 + Math.max(1, layers.length) * (NODE_W + COL_GAP) - COL_GAP

  const svg = s('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Pipeline graph',
  })
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z' }),
      ),
    ),
  )
  for (const edge of graph.edges) {
    const a = place.get(edge.from)
    const b = place.get(edge.to)
    if (!a || !b) continue
    const x1 = a.x + NODE_W
    const y1 = a.y + NODE_H / 2
    const x2 = b.x
    const y2 = b.y + NODE_H / 2
    // Backward or same-column edges loop around below the nodes.
    const d =
      x2 > x1
        ? `M${x1},${y1} C${x1 + COL_GAP / 2},${y1} ${x2 - COL_GAP / 2},${y2} ${x2},${y2}`
        : `M${x1},${y1} C${x1 + 60},${y1 + 70} ${x2 - 60},${y2 + 70} ${x2},${y2}`
    svg.append(
      s(
        'path',
        { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-testid': `edge-${edge.from}-${edge.to}` },
        s('title', {}, `${edge.from} → ${edge.to} (${edge.label})`),
      ),
    )
    if (x2 > x1)
      svg.append(
        s(
          'text',
          { class: 'edge-label', x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle' },
          edge.label,
        ),
      )
  }
  const stats = new Map()
  for (const node of graph.nodes) {
    const p = place.get(node.id)
    const stat = s('text', { class: 'stat', x: 10, y: 44 }, '')
    const g = s(
      'g',
      {
        class: `node kind-${node.kind}`,
        transform: `translate(${p.x},${p.y})`,
        'data-testid': `node-${node.kind}-${node.name}`,
      },
      s('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
      s('text', { class: 'kind', x: 10, y: 14 }, node.kind),
      s(
        'text',
        { class: 'name', x: 10, y: 30 },
        node.name.length > 20 ? `${node.name.slice(0, 19)}…` : node.name,
      ),
      stat,
      s('title', {}, `${node.kind} ${node.name}`),
    )
    svg.append(g)
    stats.set(node.id, { g, stat })
  }
  container.replaceChildren(svg)
  return {
    /** Sets the small text under a node's name, e.g. a queue's depth. */
    setStat(id, text) {
      const entry = stats.get(id)
      if (entry && entry.stat.textContent !== text) entry.stat.textContent = text
    },
    setAlarm(id, on) {
      stats.get(id)?.g.classList.toggle('alarm', on)
    },
  }
}
