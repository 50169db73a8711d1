// The Analytics panel: each analytics resource's continuous queries with their watermarks, lag,
// counts and open state (live from the `analytics` event), and a query's newest result rows as a
// table and a chart (docs/analytics.md#dashboard).
import { Chart, MAX_LINES } from './charts.js'
import { api, duration, format, h, stamp, table } from './dom.js'

const $ = (id) => document.getElementById(id)
/** Columns that give a row its time, in the order they are preferred as the chart's x axis. */
const TIME_COLUMNS = ['window_start', 'window_end', 'window_time', 'rowtime']
const SQL_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/
/** A numeric column that names a thing (`vendor_id`, `VendorID`) groups rows rather than measures them. */
const ID = /(^|_)(id|ID|Id)$|[a-z](ID|Id)$/
const STATES = { running: 'OK', failed: 'ALARM', stopped: 'INSUFFICIENT_DATA' }

/** A sink's timestamp (`2026-01-01 10:00:00.000`, UTC as Flink writes it) in ms, else undefined. */
function timeOf(value) {
  if (typeof value !== 'string' || !SQL_TIME.test(value)) return undefined
  return Date.parse(value.replace(' ', 'T') + (value.endsWith('Z') ? '' : 'Z'))
}

/** What a query's rows can be charted by: a time column, numeric columns, group key columns. */
export function chartColumns(columns, rows) {
  if (rows.length === 0) return { numeric: [], keys: [] }
  const isTime = (c) => rows.every((r) => r[c] == null || timeOf(r[c]) !== undefined)
  const x = [...TIME_COLUMNS.filter((c) => columns.includes(c)), ...columns].find(
    (c) => isTime(c) && rows.some((r) => r[c] != null),
  )
  const numeric = columns.filter(
    (c) =>
      c !== x &&
      !ID.test(c) &&
      rows.every((r) => r[c] == null || typeof r[c] === 'number') &&
      rows.some((r) => typeof r[c] === 'number'),
  )
  const keys = columns.filter((c) => c !== x && !numeric.includes(c) && !isTime(c))
  return { x, numeric, keys }
}

/**
 * A column over time, a line per group (the key columns' values), the groups with the largest
 * totals first. A later row for the same time and group replaces an earlier one: an updated result.
 */
export function chartSeries(rows, x, value, keys) {
  const points = new Map()
  for (const row of rows) {
    const t = timeOf(row[x])
    if (t === undefined || typeof row[value] !== 'number') continue
    const group = keys.length ? keys.map((k) => format(row[k])).join(' / ') : value
    points.set(`${t}\u0000${group}`, { t, group, v: row[value] })
  }
  const totals = new Map()
  for (const p of points.values()) totals.set(p.group, (totals.get(p.group) ?? 0) + Math.abs(p.v))
  const groups = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([g]) => g)
  const top = groups.slice(0, MAX_LINES)
  const times = [...new Set([...points.values()].map((p) => p.t))].sort((a, b) => a - b)
  const at = new Map(times.map((t, i) => [t, i]))
  const lines = Object.fromEntries(top.map((g) => [g, new Array(times.length).fill(null)]))
  for (const p of points.values()) if (lines[p.group]) lines[p.group][at.get(p.t)] = p.v
  return { t: times.map((t) => t / 1000), lines, groups: groups.length }
}

export function analyticsPanel() {
  let list = []
  let current
  let query = 0
  let value
  let chart
  /** The results shown: which resource and query, and how many rows it had output then. */
  let shown = { name: undefined, query: -1, seq: -1 }
  let fetching = false
  let again = false

  const visible = () => !$('panel-analytics').hidden
  const job = () => list.find((a) => a.name === current)

  const renderList = () => {
    if (list.length === 0) {
      $('analytics-list').replaceChildren(h('li', { class: 'muted' }, 'no analytics resources'))
      $('analytics-detail').hidden = true
      $('analytics-empty').hidden = false
      return
    }
    $('analytics-empty').hidden = true
    $('analytics-detail').hidden = false
    $('analytics-list').replaceChildren(
      ...list.map((a) =>
        h(
          'li',
          {
            'data-testid': `analytics-${a.name}`,
            'data-name': a.name,
            class: a.name === current ? 'selected' : undefined,
            onclick: () => select(a.name),
          },
          h('span', {}, a.name),
          h(
            'span',
            { class: `badge state-${STATES[a.state]}`, 'data-testid': `analytics-state-${a.name}` },
            a.state,
          ),
        ),
      ),
    )
  }

  const renderJob = () => {
    const a = job()
    if (!a) return
    $('analytics-title').textContent = a.name
    $('analytics-error').textContent = a.error ?? ''
    $('analytics-summary').replaceChildren(
      `${a.recordsIn.toLocaleString()} records in · ${a.rowsOut.toLocaleString()} rows out · `,
      h('span', { 'data-testid': 'analytics-late' }, `${a.late.toLocaleString()} late`),
      ` · ${a.invalid.toLocaleString()} invalid · ${a.batches.toLocaleString()} batches`,
      a.lastBatchAt === undefined ? '' : ` · last batch ${stamp(a.lastBatchAt)}`,
    )
    const cell = (text, attrs = {}) => h('td', { class: 'num', ...attrs }, text)
    // The table is redrawn on every update: a statement opened to read stays open.
    const opened = new Set(
      [...$('analytics-queries').querySelectorAll('details[open]')].map((d) => d.dataset.query),
    )
    table(
      $('analytics-queries'),
      [
        { label: 'query', cell: (q) => h('td', {}, querySummary(q, opened.has(String(q.index)))) },
        {
          label: 'window',
          cell: (q) => h('td', {}, q.window ?? (q.mode === 'update' ? 'none (updates)' : 'none')),
        },
        { label: 'watermark', cell: (q) => h('td', { 'data-testid': 'query-watermark' }, watermarkCell(q)) },
        {
          label: 'lag',
          cell: (q) =>
            cell(q.watermarkLagMs === undefined ? '–' : duration(q.watermarkLagMs), {
              'data-testid': 'query-lag',
            }),
        },
        { label: 'in', cell: (q) => cell(q.recordsIn.toLocaleString()) },
        { label: 'out', cell: (q) => cell(q.rowsOut.toLocaleString(), { 'data-testid': 'query-out' }) },
        { label: 'late', cell: (q) => cell(q.late.toLocaleString(), { 'data-testid': 'query-late' }) },
        {
          label: 'open windows',
          cell: (q) => cell(q.openWindows?.toLocaleString() ?? '–', { 'data-testid': 'query-windows' }),
        },
        {
          label: 'state rows',
          cell: (q) => cell(q.stateRows.toLocaleString(), { 'data-testid': 'query-state' }),
        },
      ],
      a.queries,
      (q) => selectQuery(q.index),
    )
    for (const [i, tr] of $('analytics-queries').querySelectorAll('tbody tr').entries()) {
      tr.dataset.testid = `analytics-query-${i}`
      tr.classList.toggle('selected', i === query)
    }
    const options = a.queries.map((q) =>
      h(
        'option',
        { value: q.index, selected: q.index === query },
        `#${q.index + 1} ${q.sink?.table ?? 'SELECT'}`,
      ),
    )
    $('analytics-query').replaceChildren(...options)
  }

  const querySummary = (q, open) =>
    h(
      'details',
      { 'data-query': q.index, open },
      h(
        'summary',
        { onclick: (e) => e.stopPropagation() },
        `#${q.index + 1} → ${q.sink ? `${q.sink.table} (${q.sink.connector})` : 'SELECT'}`,
      ),
      h('pre', { class: 'mono sql' }, q.sql),
    )

  const watermarkCell = (q) => {
    const main =
      q.watermark === undefined
        ? h('span', { class: 'muted' }, q.time === 'none' ? 'no event time' : 'none yet')
        : h(
            'span',
            { 'data-ms': q.watermark, title: new Date(q.watermark).toISOString() },
            stamp(q.watermark),
          )
    if (q.time === 'processing') return [main, h('small', { class: 'muted' }, ' processing time')]
    if (q.shards.length <= 1) return main
    return [
      main,
      h(
        'ul',
        { class: 'shards' },
        q.shards.map((s) =>
          h(
            'li',
            { 'data-testid': 'shard-watermark', class: s.idle ? 'muted' : undefined },
            `shard ${Number(s.shard.slice(s.shard.lastIndexOf('-') + 1))}: ${s.watermark === undefined ? '–' : stamp(s.watermark)}${s.idle ? ' (idle)' : ''}`,
          ),
        ),
      ),
    ]
  }

  const loadResults = async () => {
    const a = job()
    const q = a?.queries[query]
    if (!a || !q || !visible()) return
    if (shown.name === a.name && shown.query === query && shown.seq === q.resultsSeq) return
    if (fetching) {
      again = true
      return
    }
    fetching = true
    try {
      const { queries } = await api(`analytics/${encodeURIComponent(a.name)}/results`)
      const r = queries[query]
      shown = { name: a.name, query, seq: r.total }
      renderResults(r)
    } catch (error) {
      $('analytics-results-status').textContent = error.message
    } finally {
      fetching = false
      if (again) {
        again = false
        void loadResults()
      }
    }
  }

  const renderResults = (r) => {
    const rows = [...r.rows].reverse()
    $('analytics-results-status').textContent =
      r.total === 0
        ? 'no rows yet'
        : `${r.total.toLocaleString()} row${r.total === 1 ? '' : 's'} out${r.total > r.rows.length ? `, newest ${r.rows.length} shown` : ''}`
    table(
      $('analytics-results'),
      r.columns.map((c) => ({ label: c, cell: (row) => h('td', { class: 'data-cell' }, format(row[c])) })),
      rows,
    )
    for (const tr of $('analytics-results').querySelectorAll('tbody tr')) tr.dataset.testid = 'analytics-row'
    renderChart(r)
  }

  const renderChart = (r) => {
    const { x, numeric, keys } = chartColumns(r.columns, r.rows)
    if (!numeric.includes(value)) value = numeric[0]
    $('analytics-value').replaceChildren(
      ...numeric.map((c) => h('option', { value: c, selected: c === value }, c)),
    )
    $('analytics-value').disabled = numeric.length === 0
    const note = $('analytics-chart-note')
    if (!x || !value) {
      chart?.el.remove()
      chart = undefined
      note.textContent =
        r.rows.length === 0
          ? ''
          : !x
            ? 'No time column to chart (a query without a window): the table holds its newest rows.'
            : 'No numeric column to chart.'
      return
    }
    const series = chartSeries(r.rows, x, value, keys)
    note.textContent =
      series.groups > MAX_LINES ? `top ${MAX_LINES} of ${series.groups} groups by ${value}` : ''
    const title = `${value} by ${x}${keys.length ? `, per ${keys.join(' / ')}` : ''}`
    if (!chart || chart.spec.title !== title) {
      chart?.el.remove()
      chart = new Chart(
        $('analytics-chart'),
        { id: 'analytics', title, unit: '', t: [], labels: [], values: [] },
        1000,
      )
    }
    chart.replace(series.t, series.lines)
  }

  const select = (name) => {
    if (name !== current) {
      current = name
      query = 0
      value = undefined
    }
    renderList()
    renderJob()
    void loadResults()
  }

  const selectQuery = (i) => {
    query = i
    value = undefined
    renderJob()
    void loadResults()
  }

  $('analytics-query').addEventListener('change', (e) => selectQuery(Number(e.target.value)))
  $('analytics-value').addEventListener('change', (e) => {
    value = e.target.value
    shown = { ...shown, seq: -1 }
    void loadResults()
  })

  return {
    async load(item) {
      ;({ analytics: list } = await api('analytics'))
      const name = list.some((a) => a.name === item)
        ? item
        : list.some((a) => a.name === current)
          ? current
          : list[0]?.name
      renderList()
      if (name) select(name)
      chart?.resize()
    },
    /** The `analytics` event: every resource's progress, whenever it changes. */
    update(data) {
      if (data.error || !Array.isArray(data.analytics)) return
      list = data.analytics
      if (!visible()) return
      if (!list.some((a) => a.name === current)) current = list[0]?.name
      renderList()
      renderJob()
      void loadResults()
    },
  }
}
