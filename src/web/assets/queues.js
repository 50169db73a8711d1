// The Queues panel: depths, a queue's messages (bodies expandable), redrive where it applies.
import { api, bytes, duration, h, table, timeEl } from './dom.js'

const $ = (id) => document.getElementById(id)
/** Characters of a body shown before it is expanded. */
const BODY_PREVIEW = 120

/** The body as it reads best: pretty-printed JSON when it is JSON, else the text itself. */
function fullBody(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    return body
  }
}

function bodyCell(body) {
  const full = fullBody(body)
  const short = body.length > BODY_PREVIEW ? `${body.slice(0, BODY_PREVIEW)}…` : body
  const td = h('td', { class: 'mono body-cell', 'data-testid': 'message-body' })
  if (full === short) {
    td.textContent = body
    return td
  }
  let open = false
  const toggle = h('button', { type: 'button', class: 'link', 'data-testid': 'message-expand' })
  const render = () => {
    toggle.textContent = open ? 'collapse' : `expand (${bytes(new TextEncoder().encode(body).length)})`
    td.replaceChildren(
      open ? h('pre', { 'data-testid': 'message-full' }, full) : h('span', {}, short),
      ' ',
      toggle,
    )
  }
  toggle.addEventListener('click', () => {
    open = !open
    render()
  })
  render()
  return td
}

/** `show(tab)` switches tabs; `graph()` is the Overview graph (for queue depths on its nodes). */
export function queuesPanel({ show, graph }) {
  let queues = []
  let selected

  const inspect = async (name) => {
    selected = name
    const queue = queues.find((q) => q.name === name)
    const sources = queue?.deadLetterSourceQueues ?? []
    $('queue-detail').hidden = false
    $('queue-title').textContent = name
    $('redrive-result').textContent = ''
    // Redrive (SQS StartMessageMoveTask) moves a dead-letter queue's messages back to the queues
    // that sent them: it applies only where some queue sends its dead letters here.
    $('redrive').hidden = sources.length === 0
    $('redrive').textContent = `Redrive to ${sources.join(', ')}`
    $('redrive-note').hidden = sources.length > 0
    try {
      const { messages } = await api(`queues/${encodeURIComponent(name)}/messages?limit=100`)
      const columns = [
        { label: 'message id', cell: (m) => h('td', { class: 'mono' }, m.messageId) },
        { label: 'state', cell: (m) => h('td', {}, m.state) },
        { label: 'sent', cell: (m) => h('td', {}, timeEl(m.sentAt)) },
        { label: 'receives', cell: (m) => h('td', { class: 'num' }, m.receiveCount) },
        { label: 'from', cell: (m) => h('td', {}, m.sourceQueue ?? '–') },
        { label: 'body', cell: (m) => bodyCell(m.body) },
      ]
      table($('messages'), columns, messages)
      for (const tr of $('messages').querySelectorAll('tbody tr')) tr.dataset.testid = 'message'
      if (messages.length === 0) $('messages').append(h('caption', { class: 'muted' }, 'No messages.'))
    } catch (error) {
      $('messages').replaceChildren(h('caption', { class: 'error' }, error.message))
    }
  }

  $('redrive').addEventListener('click', async () => {
    const name = selected
    if (!name) return
    $('redrive').disabled = true
    try {
      const r = await api(`queues/${encodeURIComponent(name)}/redrive`, {})
      const text = `${r.moved} moved${r.skipped ? `, ${r.skipped} skipped (no source queue)` : ''}`
      await inspect(name)
      $('redrive-result').textContent = text
    } catch (error) {
      $('redrive-result').textContent = error.message
    } finally {
      $('redrive').disabled = false
    }
  })

  const render = () => {
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
      {
        label: 'dead letters of',
        cell: (q) =>
          h('td', {}, q.deadLetterSourceQueues?.length ? q.deadLetterSourceQueues.join(', ') : '–'),
      },
    ]
    const open = (q) => {
      show('queues')
      inspect(q.name)
    }
    table($('queues'), columns, queues, open)
    table($('overview-queues'), columns.slice(0, 2), queues, open)
    for (const tr of $('queues').querySelectorAll('tbody tr')) {
      const name = tr.firstChild.textContent
      tr.dataset.testid = `queue-${name}`
      tr.classList.toggle('selected', name === selected)
    }
    for (const q of queues)
      graph()?.setStat(`queue:${q.name}`, `${q.depth.visible} visible · ${q.depth.inFlight} in flight`)
  }

  return {
    /** New depths (the `queues` event). */
    update(list) {
      queues = list
      render()
    },
    render,
  }
}
