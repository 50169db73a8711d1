// Live charts: uPlot over fixed-size arrays, so a page left open for hours holds the same memory.
import { h, stamp } from './dom.js'

const PALETTE = ['#2f6fed', '#d1242f', '#1a7f37', '#bf8700', '#8250df', '#cf5c00', '#bf3989', '#0969da']
/** Lines a chart draws at most (one colour each). */
export const MAX_LINES = PALETTE.length
const HEIGHT = 190
/** Time-axis steps in seconds; uPlot picks the smallest that leaves `space` pixels per label. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400]
/** Pixels per time label: `HH:MM:SS` is about 55 px in the axis font, so labels never touch. */
const TIME_SPACE = 90

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

const two = (n) => String(n).padStart(2, '0')

/** Axis labels in the dashboard's date format: `HH:MM` on whole minutes, else `HH:MM:SS`. */
function timeTicks(_u, splits, _axis, _space, step) {
  return splits.map((t) => {
    if (t === null) return null
    const d = new Date(t * 1000)
    const minutes = `${two(d.getHours())}:${two(d.getMinutes())}`
    return step % 60 === 0 ? minutes : `${minutes}:${two(d.getSeconds())}`
  })
}

/**
 * Drops the time labels that would stick out of the chart (uPlot centres a label on its tick, so
 * one near either edge is cut in half): what remains is always readable whole.
 */
function wholeTicks(u, splits, axis, space, step) {
  const ctx = u.ctx
  // Not the canvas's width: on a new plot's first layout pass it is still the default 300 px,
  // which would drop every label right of that on a chart drawn once (the Analytics tab's).
  const width = Math.round(u.width * devicePixelRatio)
  ctx.save()
  ctx.font = u.axes[axis].font[0]
  const labels = timeTicks(u, splits, axis, space, step)
  const kept = splits.map((t, i) => {
    const half = ctx.measureText(labels[i]).width / 2
    const at = u.valToPos(t, 'x', true)
    return at - half >= 0 && at + half <= width ? t : null
  })
  ctx.restore()
  return kept
}

/**
 * The points a line cannot show: values with no neighbour on either side (a once-a-minute metric
 * between gaps), or a count that stands alone among zeros. They get a marker.
 */
function isolated(u, seriesIdx) {
  const values = u.data[seriesIdx]
  const out = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    const before = values[i - 1]
    const after = values[i + 1]
    const alone = (n) => n === null || n === undefined || (v !== 0 && n === 0)
    if (alone(before) && alone(after)) out.push(i)
  }
  return out.length ? out : null
}

/** One live chart: a line per label over time (seconds), at most `capacity` points. */
export class Chart {
  constructor(container, spec, capacity) {
    this.spec = spec
    this.capacity = capacity
    this.t = []
    this.lines = new Map()
    this.plot = undefined
    this.body = h('div', { class: 'chart-body' })
    this.empty = h('p', { class: 'no-data', 'data-testid': 'no-data' }, 'No data yet')
    this.el = h(
      'div',
      { class: 'card chart', 'data-testid': `chart-${spec.id}`, 'data-points': '0', 'data-state': 'empty' },
      h('h3', {}, spec.title, ' ', h('small', {}, spec.unit)),
      this.body,
      this.empty,
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
    this.#showState()
    if (draw) this.draw(rebuild)
  }

  /** Replaces every point: times `t` (seconds, ascending) and a line of values per label. */
  replace(t, lines) {
    const labels = Object.keys(lines).slice(0, PALETTE.length)
    const rebuild = labels.join('\n') !== [...this.lines.keys()].join('\n')
    this.t = t.slice(-this.capacity)
    this.lines = new Map(labels.map((label) => [label, lines[label].slice(-this.capacity)]))
    this.el.dataset.points = String(this.t.length)
    this.#showState()
    this.draw(rebuild)
  }

  /** "No data yet" until some line has a value: an empty plot reads as a broken one. */
  #showState() {
    const has = [...this.lines.values()].some((arr) => arr.some((v) => v !== null && v !== undefined))
    this.el.dataset.state = has ? 'data' : 'empty'
    this.empty.hidden = has
    this.body.classList.toggle('faded', !has)
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
        axes: [
          { ...axis, space: TIME_SPACE, incrs: TIME_STEPS, values: timeTicks, filter: wholeTicks },
          { ...axis, size: 60 },
        ],
        series: [
          { label: 'time', value: (_u, t) => (t === null || t === undefined ? '–' : stamp(t * 1000)) },
          ...[...this.lines.keys()].map((label, i) => ({
            label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: false,
            points: { show: false, filter: isolated, size: 6, fill: PALETTE[i % PALETTE.length] },
          })),
        ],
      },
      this.data(),
      this.body,
    )
    // For tests and the curious: the plot behind this chart.
    this.el.uplot = this.plot
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
