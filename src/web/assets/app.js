// The dashboard page: tabs, the live event stream, and the Overview (with its Faults card) and Alarms panels.
import { analyticsPanel } from './analytics.js'
import { Charts } from './charts.js'
import { api, h, stamp, timeEl } from './dom.js'
import { explorePanel } from './explore.js'
import { renderGraph } from './graph.js'
import { logsPanel } from './logs.js'
import { lakePanel, sqlPanel, tailPanel } from './panels.js'
import { queuesPanel } from './queues.js'
import { tablesPanel } from './tables.js'

const $ = (id) => document.getElementById(id)
const state = {
  graph: undefined,
  graphIds: [],
  rates: {},
  charts: undefined,
  alarms: [],
  alarm: undefined,
}
const lake = lakePanel()
const tail = tailPanel()
const tables = tablesPanel()
const logs = logsPanel()
const explore = explorePanel()
const analytics = analyticsPanel()
const queues = queuesPanel({ show: (tab) => show(tab), graph: () => state.graph })
sqlPanel()

// ---- tabs
const loaders = {
  lake: () => lake.load(),
  tail: () => tail.load(),
  tables: () => tables.load(),
  explore: () => explore.load(),
  analytics: (item) => analytics.load(item),
  logs: (item) => logs.load(item),
  metrics: () => state.charts?.resize(),
}
function show(tab, item) {
  if (!document.querySelector(`[data-panel="${CSS.escape(tab)}"]`)) tab = 'overview'
  for (const b of document.querySelectorAll('#tabs button')) {
    if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page')
    else b.removeAttribute('aria-current')
  }
  for (const p of document.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== tab
  if (tab !== 'logs') logs.stop()
  Promise.resolve(loaders[tab]?.(item)).catch((error) => {
    document
      .querySelector(`[data-panel="${CSS.escape(tab)}"]`)
      .prepend(h('p', { class: 'error card' }, error.message))
  })
  if (location.hash !== `#${tab}` && !location.hash.startsWith(`#${tab}/`))
    history.replaceState(null, '', `#${tab}`)
}
for (const b of document.querySelectorAll('#tabs button'))
  b.addEventListener('click', () => show(b.dataset.tab))
// A function's node in the graph opens its logs.
$('graph').addEventListener('click', (e) => {
  const node = e.target.closest?.('[data-testid^="node-function-"]')
  if (node) show('logs', node.dataset.testid.slice('node-function-'.length))
})

// ---- overview graph
function drawGraph(layout) {
  state.graph = renderGraph($('graph'), layout)
  state.graphIds = layout.nodes.map((n) => n.id)
  state.graph.setRates(state.rates)
  queues.render()
  renderAlarms()
}

async function loadPipeline() {
  const { name, graph } = await api('pipeline')
  $('pipeline-name').textContent = name
  drawGraph(graph)
}

// ---- alarms
function badge(stateName, name) {
  return h(
    'span',
    { class: `badge state-${stateName}`, 'data-testid': name ? `alarm-state-${name}` : undefined },
    stateName === 'INSUFFICIENT_DATA' ? 'INSUFFICIENT' : stateName,
  )
}

function renderAlarms() {
  const alarms = state.alarms
  const firing = alarms.filter((a) => a.state === 'ALARM').length
  $('alarm-count').textContent = firing ? String(firing) : ''
  const item = (a, testid) =>
    h(
      'li',
      {
        'data-testid': testid,
        onclick: () => {
          show('alarms')
          loadHistory(a.name)
        },
      },
      badge(a.state, testid === `alarm-${a.name}` ? a.name : undefined),
      h('strong', {}, a.name),
      h('span', { class: 'reason' }, `${a.reason} (since ${stamp(a.updatedAt)})`),
    )
  const empty = (text) => h('li', { class: 'muted' }, text)
  $('alarms').replaceChildren(
    ...(alarms.length
      ? alarms.map((a) => item(a, `alarm-${a.name}`))
      : [empty(state.alarmsConfigured ? 'No alarms.' : 'No alarms configured.')]),
  )
  const sorted = [...alarms].sort((a, b) => (a.state === 'ALARM' ? -1 : 0) - (b.state === 'ALARM' ? -1 : 0))
  $('overview-alarms').replaceChildren(
    ...(sorted.length ? sorted.map((a) => item(a, `overview-alarm-${a.name}`)) : [empty('No alarms.')]),
  )
  // A firing alarm is outlined in red in the graph, and so is every resource it watches.
  if (state.graph) {
    const firingIds = new Set()
    for (const a of alarms)
      if (a.state === 'ALARM') {
        firingIds.add(`alarm:${a.name}`)
        for (const path of document.querySelectorAll(`[data-testid="graph"] .edge.type-metric`)) {
          const [from, to] = path.dataset.edge.split('>')
          if (to === `alarm:${a.name}`) firingIds.add(from)
        }
      }
    for (const id of state.graphIds) state.graph.setAlarm(id, firingIds.has(id))
  }
  if (state.alarm) loadHistory(state.alarm)
}

async function loadHistory(name) {
  state.alarm = name
  $('alarm-history-title').textContent = `History: ${name}`
  try {
    const { history } = await api(`alarms/${encodeURIComponent(name)}/history?limit=50`)
    $('alarm-history').replaceChildren(
      ...history.map((e) =>
        h('li', {}, timeEl(e.timestamp), e.newState ? badge(e.newState) : '', ' ', e.summary),
      ),
    )
  } catch (error) {
    $('alarm-history').replaceChildren(h('li', { class: 'error' }, error.message))
  }
}

// ---- injected faults: a card on the overview while any is active
function renderFaults(faults) {
  $('faults-card').hidden = faults.length === 0
  $('faults').replaceChildren(
    ...faults.map((f) =>
      h(
        'li',
        { 'data-testid': `fault-${f.id}` },
        h('span', { class: 'badge state-ALARM' }, 'FAULT'),
        h('span', {}, f.text),
      ),
    ),
  )
}

// ---- live events
function connect() {
  const events = new EventSource('/ui/api/events')
  let connectedBefore = false
  events.addEventListener('open', () => {
    $('live').textContent = 'live'
    $('live').classList.add('on')
    // After a restart the pipeline may have changed.
    if (connectedBefore) loadPipeline().catch(() => undefined)
    connectedBefore = true
  })
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting'
    $('live').classList.remove('on')
  })
  events.addEventListener('metrics', (e) => state.charts?.push(JSON.parse(e.data)))
  events.addEventListener('alarms', (e) => {
    const data = JSON.parse(e.data)
    state.alarms = data.alarms ?? []
    state.alarmsConfigured = data.configured
    renderAlarms()
  })
  events.addEventListener('queues', (e) => queues.update(JSON.parse(e.data).queues ?? []))
  events.addEventListener('faults', (e) => renderFaults(JSON.parse(e.data).faults ?? []))
  events.addEventListener('analytics', (e) => analytics.update(JSON.parse(e.data)))
  // A function used a binding for the first time, or the pipeline was reloaded: redraw.
  events.addEventListener('graph', (e) => drawGraph(JSON.parse(e.data)))
  events.addEventListener('rates', (e) => {
    state.rates = JSON.parse(e.data).edges ?? {}
    state.graph?.setRates(state.rates)
  })
}

async function main() {
  // Links in alert messages point at `#/alarms/<name>`: the tab, then the alarm's history.
  const [tab, item] = location.hash.replace(/^#\/?/, '').split('/')
  // `#logs/<function>`, `#analytics/<name>`: the panel on that function or analytics resource.
  show(
    tab || 'overview',
    (tab === 'logs' || tab === 'analytics') && item ? decodeURIComponent(item) : undefined,
  )
  if (tab === 'alarms' && item) void loadHistory(decodeURIComponent(item))
  await loadPipeline()
  const { charts } = await api('charts')
  state.charts = new Charts($('charts'), charts)
  connect()
  document.body.dataset.ready = 'true'
}

main().catch((error) => {
  document
    .querySelector('main')
    .prepend(h('p', { class: 'error card' }, `Could not load the dashboard: ${error.message}`))
})
