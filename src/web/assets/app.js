// The dashboard page: tabs, the live event stream, and the Overview, Alarms and Queues panels.
import { Charts } from './charts.js'
import { api, duration, h, table, time } from './dom.js'
import { renderGraph } from './graph.js'
import { lakePanel, sqlPanel, tailPanel } from './panels.js'

const $ = (id) => document.getElementById(id)
const state = {
  graph: undefined,
  charts: undefined,
  alarms: [],
  queues: [],
  queue: undefined,
  alarm: undefined,
}
const lake = lakePanel()
const tail = tailPanel()
sqlPanel()

// ---- tabs
const loaders = { lake: () => lake.load(), tail: () => tail.load(), metrics: () => state.charts?.resize() }
function show(tab) {
  if (!document.querySelector(`[data-panel="${CSS.escape(tab)}"]`)) tab = 'overview'
  for (const b of document.querySelectorAll('#tabs button')) {
    if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page')
    else b.removeAttribute('aria-current')
  }
  for (const p of document.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== tab
  loaders[tab]?.()
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`)
}
for (const b of document.querySelectorAll('#tabs button'))
  b.addEventListener('click', () => show(b.dataset.tab))

// ---- overview graph
async function loadPipeline() {
  const { name, graph } = await api('pipeline')
  $('pipeline-name').textContent = name
  state.graph = renderGraph($('graph'), graph)
  state.graphIds = graph.nodes.map((n) => n.id)
  renderQueues()
  renderAlarms()
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
      h('span', { class: 'reason' }, `${a.reason} (since ${time(a.updatedAt)})`),
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
  // An alarm on a resource's metric outlines that resource in the graph.
  if (state.graph) {
    const firingIds = new Set()
    for (const a of alarms) if (a.state === 'ALARM') for (const id of alarmResources(a)) firingIds.add(id)
    for (const id of state.graphIds ?? []) state.graph.setAlarm(id, firingIds.has(id))
  }
  if (state.alarm) loadHistory(state.alarm)
}

const DIMENSION_KINDS = {
  StreamName: 'stream',
  FunctionName: 'function',
  QueueName: 'queue',
  DeliveryStreamName: 'delivery',
  TopicName: 'topic',
}
function alarmResources(alarm) {
  const ids = []
  const walk = (v) => {
    if (!v || typeof v !== 'object') return
    for (const [k, child] of Object.entries(v)) {
      if (typeof child === 'string' && DIMENSION_KINDS[k]) ids.push(`${DIMENSION_KINDS[k]}:${child}`)
      else walk(child)
    }
  }
  walk(alarm.config)
  return ids
}

async function loadHistory(name) {
  state.alarm = name
  $('alarm-history-title').textContent = `History: ${name}`
  try {
    const { history } = await api(`alarms/${encodeURIComponent(name)}/history?limit=50`)
    $('alarm-history').replaceChildren(
      ...history.map((e) =>
        h(
          'li',
          {},
          h('time', {}, new Date(e.timestamp).toLocaleString()),
          e.newState ? badge(e.newState) : '',
          ' ',
          e.summary,
        ),
      ),
    )
  } catch (error) {
    $('alarm-history').replaceChildren(h('li', { class: 'error' }, error.message))
  }
}

// ---- queues
function renderQueues() {
  const columns = [
    { label: 'queue', cell: (q) => h('td', {}, q.name) },
    {
      label: 'visible',
      cell: (q) => h('td', { class: 'num', 'data-testid': `queue-visible-${q.name}` }, q.depth.visible),
    },
    { label: 'in flight', cell: (q) => h('td', { class: 'num' }, q.depth.inFlight) },
    { label: 'delayed', cell: (q) => h('td', { class: 'num' }, q.depth.delayed) },
    {
      label: 'oldest',
      cell: (q) => h('td', { class: 'num' }, q.depth.oldestAgeMs ? duration(q.depth.oldestAgeMs) : '–'),
    },
  ]
  const open = (q) => {
    show('queues')
    inspect(q.name)
  }
  table($('queues'), columns, state.queues, open)
  table($('overview-queues'), columns.slice(0, 2), state.queues, open)
  for (const tr of $('queues').querySelectorAll('tbody tr')) {
    const name = tr.firstChild.textContent
    tr.dataset.testid = `queue-${name}`
    tr.classList.toggle('selected', name === state.queue)
  }
  for (const q of state.queues)
    state.graph?.setStat(`queue:${q.name}`, `${q.depth.visible} visible · ${q.depth.inFlight} in flight`)
}

async function inspect(name) {
  state.queue = name
  $('queue-detail').hidden = false
  $('queue-title').textContent = name
  $('redrive-result').textContent = ''
  try {
    const { messages } = await api(`queues/${encodeURIComponent(name)}/messages?limit=100`)
    const columns = [
      { label: 'message id', cell: (m) => h('td', { class: 'mono' }, m.messageId) },
      { label: 'state', cell: (m) => h('td', {}, m.state) },
      { label: 'sent', cell: (m) => h('td', {}, time(m.sentAt)) },
      { label: 'receives', cell: (m) => h('td', { class: 'num' }, m.receiveCount) },
      { label: 'from', cell: (m) => h('td', {}, m.sourceQueue ?? '–') },
      { label: 'body', cell: (m) => h('td', { class: 'mono data-cell', title: m.body }, m.body) },
    ]
    table($('messages'), columns, messages)
    for (const tr of $('messages').querySelectorAll('tbody tr')) tr.dataset.testid = 'message'
    if (messages.length === 0) $('messages').append(h('caption', { class: 'muted' }, 'No messages.'))
  } catch (error) {
    $('messages').replaceChildren(h('caption', { class: 'error' }, error.message))
  }
}

$('redrive').addEventListener('click', async () => {
  const name = state.queue
  if (!name) return
  $('redrive').disabled = true
  try {
    const r = await api(`queues/${encodeURIComponent(name)}/redrive`, {})
    $('redrive-result').textContent =
      `${r.moved} moved${r.skipped ? `, ${r.skipped} skipped (no source queue)` : ''}`
    await inspect(name)
    $('redrive-result').textContent =
      `${r.moved} moved${r.skipped ? `, ${r.skipped} skipped (no source queue)` : ''}`
  } catch (error) {
    $('redrive-result').textContent = error.message
  } finally {
    $('redrive').disabled = false
  }
})

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
  events.addEventListener('queues', (e) => {
    state.queues = JSON.parse(e.data).queues ?? []
    renderQueues()
  })
}

async function main() {
  // Links in alert messages point at `#/alarms/<name>`: the tab, then the alarm's history.
  const [tab, item] = location.hash.replace(/^#\/?/, '').split('/')
  show(tab || 'overview')
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
