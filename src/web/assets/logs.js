// The Logs panel: a function's CloudWatch Logs lines, newest at the bottom, following live.
import { api, h, timeEl } from './dom.js'

const $ = (id) => document.getElementById(id)
/** Lines kept in the page; older ones leave from the top. */
const MAX_LINES = 1000
const RECENT = 200

/** Lambda's platform lines, the runtime's errors, and everything else. */
function kindOf(message) {
  if (/^(START|END|REPORT|INIT_START) /.test(message)) return 'platform'
  if (/^\S+\t\S+\tERROR\t/.test(message) || / Task timed out after /.test(message)) return 'error'
  if (/^\S+\t\S+\tWARN\t/.test(message)) return 'warn'
  return 'line'
}

export function logsPanel() {
  let fn
  let source
  let position = 0
  let count = 0
  let dropped = 0
  let retry

  const view = () => $('logs-view')
  const atBottom = () => {
    const v = view()
    return v.scrollHeight - v.scrollTop - v.clientHeight < 24
  }
  const row = (line) =>
    h(
      'tr',
      { class: `log-${kindOf(line.message)}`, 'data-testid': 'log-line' },
      h('td', { class: 'log-time' }, timeEl(line.timestamp)),
      h('td', { class: 'log-stream', 'data-testid': 'log-stream', title: line.stream }, line.stream),
      h('td', { class: 'log-message', 'data-testid': 'log-message' }, line.message),
    )
  const append = (lines) => {
    if (lines.length === 0) return
    const follow = atBottom()
    const body = $('logs-lines')
    body.append(...lines.map(row))
    while (body.childElementCount > MAX_LINES) body.firstElementChild.remove()
    count += lines.length
    status()
    if (follow) view().scrollTop = view().scrollHeight
  }
  const status = (text) => {
    const filter = $('logs-filter').value.trim()
    $('logs-status').textContent =
      text ??
      `${count} ${count === 1 ? 'line' : 'lines'}${filter ? ' matching the filter' : ''}${source ? ', following' : ''}` +
        (dropped ? `, ${dropped} batches dropped (slow page: reload to see them)` : '')
  }
  const query = () => {
    const filter = $('logs-filter').value
    return filter.trim() === '' ? '' : `filter=${encodeURIComponent(filter)}`
  }

  const stopFollowing = () => {
    clearTimeout(retry)
    source?.close()
    source = undefined
  }
  const follow = () => {
    stopFollowing()
    if (!fn || !$('logs-follow').checked) return status()
    const params = [`after=${position}`, query()].filter(Boolean).join('&')
    source = new EventSource(`/ui/api/functions/${encodeURIComponent(fn)}/logs/follow?${params}`)
    source.addEventListener('ready', () => status())
    source.addEventListener('lines', (e) => {
      const data = JSON.parse(e.data)
      position = data.position
      dropped = data.dropped ?? 0
      append(data.lines)
    })
    // Reconnect from where the page is, not from where the stream began (EventSource would).
    source.addEventListener('error', () => {
      stopFollowing()
      status('disconnected; retrying…')
      retry = setTimeout(follow, 2000)
    })
  }

  const open = async (name) => {
    fn = name
    stopFollowing()
    $('logs-lines').replaceChildren()
    count = 0
    dropped = 0
    if (!fn) return status('No functions.')
    $('logs-group').textContent = `/aws/lambda/${fn}`
    if (location.hash !== `#logs/${encodeURIComponent(fn)}`)
      history.replaceState(null, '', `#logs/${encodeURIComponent(fn)}`)
    status('loading…')
    try {
      const r = await api(
        `functions/${encodeURIComponent(fn)}/logs?${[`limit=${RECENT}`, query()].filter(Boolean).join('&')}`,
      )
      if (r.function !== fn) return
      position = r.position
      append(r.lines)
      view().scrollTop = view().scrollHeight
      follow()
    } catch (error) {
      status(error.message)
    }
  }

  let typing
  $('logs-function').addEventListener('change', () => open($('logs-function').value))
  $('logs-filter').addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(() => open(fn), 300)
  })
  $('logs-form').addEventListener('submit', (e) => {
    e.preventDefault()
    clearTimeout(typing)
    open(fn)
  })
  $('logs-follow').addEventListener('change', () => follow())

  return {
    /** Lists the functions and opens `name` (or the one shown, or the first). */
    async load(name) {
      const { functions } = await api('functions')
      const wanted = name ?? fn ?? functions[0]
      $('logs-function').replaceChildren(
        ...functions.map((f) => h('option', { value: f, selected: f === wanted }, f)),
      )
      if (wanted !== fn || !source) await open(functions.includes(wanted) ? wanted : functions[0])
    },
    stop: stopFollowing,
  }
}
