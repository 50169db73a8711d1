// Small DOM helpers: every value reaches the page through textContent or setAttribute, never HTML.

const SVG_NS = 'http://www.w3.org/2000/svg'

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

/** An HTML element: `h('td', { class: 'num' }, 42)`. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children)
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children)
}

export async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
  const res = await fetch(`/ui/api/${path}`, init)
  const json = await res.json().catch(() => ({ error: `HTTP ${res.status}` }))
  if (!res.ok) {
    const error = new Error(json.error ?? `HTTP ${res.status}`)
    error.detail = json.detail
    throw error
  }
  return json
}

export function table(el, columns, rows, onRow) {
  el.replaceChildren(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c.label ?? c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row, i) => {
        const tr = h(
          'tr',
          onRow ? { class: 'clickable' } : {},
          columns.map((c, column) => (c.cell ? c.cell(row, i) : h('td', {}, format(row[column])))),
        )
        if (onRow) tr.addEventListener('click', () => onRow(row, tr))
        return tr
      }),
    ),
  )
}

export function format(value) {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function bytes(n) {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

const two = (n) => String(n).padStart(2, '0')

/**
 * The dashboard's one date format, 24-hour local time: `HH:MM:SS` for today, `YYYY-MM-DD HH:MM:SS`
 * for any other day.
 */
export function stamp(ms) {
  const d = new Date(ms)
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  if (d.toDateString() === new Date().toDateString()) return clock
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}`
}

/** A `<time>` element showing {@link stamp}, with the full ISO time on hover. */
export function timeEl(ms, attrs = {}) {
  return h(
    'time',
    { datetime: new Date(ms).toISOString(), title: new Date(ms).toISOString(), ...attrs },
    stamp(ms),
  )
}

export function duration(ms) {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
