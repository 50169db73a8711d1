// The pipeline graph as SVG, drawn where the server's layout (src/web/graph-layout.ts) put things:
// columns by data flow, labels in the gaps between them, nothing overlapping.
import { s } from './dom.js'

const NAME_CHARS = 20

/** `12 rec/s`, `3.5 inv/min` (slow flows read better per minute), `1.2k calls/s`. */
export function rateText(value, unit) {
  if (value === null || value === undefined) return ''
  const num = (v) => {
    if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`
    if (v >= 1000) return `${(v / 1000).toFixed(1)}k`
    if (v >= 10) return String(Math.round(v))
    return String(Math.round(v * 10) / 10)
  }
  if (value === 0 || value >= 1) return `${num(value)} ${unit}/s`
  return `${num(value * 60)} ${unit}/min`
}

function edgeClass(edge) {
  const classes = ['edge', `type-${edge.type}`]
  if (edge.undeclared) classes.push('undeclared')
  else if (edge.type === 'binding' && !edge.observed) classes.push('unused')
  if (edge.back) classes.push('back')
  return classes.join(' ')
}

function marker(id, cls) {
  return s(
    'marker',
    {
      id,
      class: cls,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    s('path', { d: 'M0,0 L10,5 L0,10 z' }),
  )
}

/** Draws `layout` ({ nodes, edges, width, height }) into `container`; returns a handle for live updates. */
export function renderGraph(container, layout) {
  const { width, height } = layout
  const svg = s('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Pipeline graph',
    // Shrunk further, labels get too small to read: the card scrolls instead.
    style: `min-width: ${Math.round(width * 0.8)}px`,
  })
  svg.append(s('defs', {}, marker('arrow', 'arrow'), marker('arrow-warn', 'arrow warn')))
  const rates = new Map()
  const labels = s('g', { class: 'edge-labels' })
  for (const edge of layout.edges) {
    const arrow = edge.undeclared ? 'url(#arrow-warn)' : 'url(#arrow)'
    svg.append(
      s(
        'path',
        {
          class: edgeClass(edge),
          d: edge.path,
          'marker-end': arrow,
          'marker-start': edge.twoWay ? arrow : undefined,
          'data-testid': `edge-${edge.from}-${edge.to}`,
          'data-edge': edge.id,
          'data-declared': edge.type === 'binding' ? String(Boolean(edge.declared)) : undefined,
          'data-observed': edge.type === 'binding' ? String(Boolean(edge.observed)) : undefined,
        },
        s('title', {}, edge.title),
      ),
    )
    const box = edge.labelBox
    if (!box) continue
    const cx = box.x + box.width / 2
    const rate = s('text', { class: 'rate', x: cx, y: box.y + 4 + 10 + 13, 'text-anchor': 'middle' }, '')
    labels.append(
      s(
        'g',
        {
          class: `edge-label${edge.undeclared ? ' undeclared' : ''}`,
          'data-testid': 'edge-label',
          'data-edge': edge.id,
        },
        s('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx: 3 }),
        edge.label ? s('text', { x: cx, y: box.y + 4 + 10, 'text-anchor': 'middle' }, edge.label) : '',
        edge.rate ? rate : '',
        s('title', {}, edge.title),
      ),
    )
    if (edge.rate) rates.set(edge.id, { el: rate, unit: edge.rate })
  }
  svg.append(labels)
  const stats = new Map()
  for (const node of layout.nodes) {
    const stat = s('text', { class: 'stat', x: 10, y: 44 }, '')
    const name = node.name.length > NAME_CHARS ? `${node.name.slice(0, NAME_CHARS - 1)}…` : node.name
    const g = s(
      'g',
      {
        class: `node kind-${node.kind}`,
        transform: `translate(${node.x},${node.y})`,
        'data-testid': `node-${node.kind}-${node.name}`,
        'data-layer': node.layer,
      },
      s('rect', { width: node.width, height: node.height, rx: 6 }),
      s('text', { class: 'kind', x: 10, y: 14 }, node.kind),
      s('text', { class: 'name', x: 10, y: 30 }, name),
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
    /** Live rates by edge id (per second; null while unknown). */
    setRates(values) {
      for (const [id, { el, unit }] of rates) {
        const text = rateText(values[id], unit)
        if (el.textContent !== text) el.textContent = text
      }
    },
  }
}
