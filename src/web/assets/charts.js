// Live charts: uPlot over fixed-size arrays, so a page left open for hours holds the same memory.
import { h } from './dom.js'

const PALETTE = ['#2f6fed', '#d1242f', '#1a7f37', '#bf8700', '#8250df', '#cf5c00', '#bf3989', '#0969da']
const HEIGHT = 190

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

class Chart {
  constructor(container, spec, capacity) {
    this.spec = spec
    this.capacity = capacity
    this.t = []
    this.lines = new Map()
    this.plot = undefined
    this.body = h('div', {})
    this.el = h(
      'div',
      { class: 'card chart', 'data-testid': `chart-${spec.id}`, 'data-points': '0' },
      h('h3', {}, spec.title, ' ', h('small', {}, spec.unit)),
      this.body,
    )
    container.append(this.el)
    spec.t.forEach((t, i) => {
      this.push(t, Object.fromEntries(spec.labels.map((label, l) => [label, spec.values[l][i]])), false)
    })
    this.draw(true)
  }

  /** Appends one second; the oldest falls off once `capacity` seconds are held. */
  push(t, values, draw = true) {
    if (this.t.length > 0 && t <= this.t[this.t.length - 1]) return
    let rebuild = false
    for (const label of Object.keys(values)) {
      if (!this.lines.has(label) && this.lines.size < PALETTE.length) {
        this.lines.set(label, new Array(this.t.length).fill(null))
        rebuild = true
      }
    }
    this.t.push(t)
    for (const [label, arr] of this.lines) arr.push(values[label] ?? null)
    if (this.t.length > this.capacity) {
      this.t.shift()
      for (const arr of this.lines.values()) arr.shift()
    }
    this.el.dataset.points = String(this.t.length)
    if (draw) this.draw(rebuild)
  }

  data() {
    return [this.t, ...this.lines.values()]
  }

  draw(rebuild) {
    const width = this.body.clientWidth
    if (width === 0) return // hidden: drawn when the panel is shown
    if (this.plot && !rebuild) {
      this.plot.setData(this.data())
      return
    }
    this.plot?.destroy()
    const axis = {
      stroke: cssVar('--muted'),
      grid: { stroke: cssVar('--border'), width: 1 },
      ticks: { stroke: cssVar('--border') },
    }
    this.plot = new window.uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: 60 }],
        series: [
          {},
          ...[...this.lines.keys()].map((label, i) => ({
            label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: false,
            points: { show: false },
          })),
        ],
      },
      this.data(),
      this.body,
    )
  }

  resize() {
    const width = this.body.clientWidth
    if (width === 0) return
    if (!this.plot) this.draw(true)
    else this.plot.setSize({ width, height: HEIGHT })
  }
}

/** The Metrics panel: one chart per server chart spec, fed by `metrics` events. */
export class Charts {
  constructor(container, specs, capacity = 300) {
    container.replaceChildren()
    this.charts = new Map(specs.map((spec) => [spec.id, new Chart(container, spec, capacity)]))
    this.observer = new ResizeObserver(() => this.resize())
    this.observer.observe(container)
  }

  push(frame) {
    for (const [id, chart] of this.charts) chart.push(frame.t, frame.charts[id] ?? {})
  }

  resize() {
    for (const chart of this.charts.values()) chart.resize()
  }
}
