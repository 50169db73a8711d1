// The Tables panel: scan or query a table a page at a time, and see an item in full.
import { api, format, h, table } from './dom.js'

const $ = (id) => document.getElementById(id)
/** Attribute columns shown; the item view has the rest. */
const MAX_COLUMNS = 10

/** The sort key conditions of the bindings' `query` (DynamoDB's key condition operators). */
const SORT_OPERATORS = {
  '': undefined,
  '=': (a) => ({ equals: a }),
  '<': (a) => ({ lessThan: a }),
  '<=': (a) => ({ lessThanOrEqual: a }),
  '>': (a) => ({ greaterThan: a }),
  '>=': (a) => ({ greaterThanOrEqual: a }),
  between: (a, b) => ({ between: [a, b] }),
  'begins with': (a) => ({ beginsWith: a }),
}

/** A key value as typed in a box: a number when the type says so. */
function typed(text, type) {
  if (type !== 'number') return text
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`'${text}' is not a number.`)
  return n
}

export function tablesPanel() {
  let tables = []
  let current
  /** The key each page started after: the first page's is undefined. */
  let pages = []

  const schema = () => tables.find((t) => t.name === current)

  const showItem = async (item) => {
    const t = schema()
    const key = { [t.partitionKey]: item[t.partitionKey] }
    if (t.sortKey) key[t.sortKey] = item[t.sortKey]
    $('table-item-title').textContent = Object.values(key).map(format).join(' · ')
    try {
      const r = await api(
        `tables/${encodeURIComponent(current)}/item?key=${encodeURIComponent(JSON.stringify(key))}`,
      )
      $('table-item').textContent = JSON.stringify(r.item, null, 2)
    } catch (error) {
      $('table-item').textContent = error.message
    }
  }

  const params = (startAfter) => {
    const t = schema()
    const q = new URLSearchParams({ limit: $('table-limit').value })
    const pk = $('table-pk').value
    if (pk !== '') q.set('partitionKey', JSON.stringify(typed(pk, $('table-pk-type').value)))
    const op = SORT_OPERATORS[$('table-sk-op').value]
    if (op && t.sortKey) {
      const type = $('table-sk-type').value
      q.set(
        'sortKey',
        JSON.stringify(
          op(typed($('table-sk-value').value, type), typed($('table-sk-value2').value || '0', type)),
        ),
      )
    }
    if ($('table-desc').checked) q.set('forward', 'false')
    if (startAfter) q.set('startAfter', JSON.stringify(startAfter))
    return q
  }

  const run = async (startAfter) => {
    const t = schema()
    if (!t) return
    $('table-error').textContent = ''
    $('table-status').textContent = 'loading…'
    try {
      const r = await api(`tables/${encodeURIComponent(current)}/items?${params(startAfter)}`)
      const keys = [t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])]
      const names = [...keys]
      for (const item of r.items)
        for (const name of Object.keys(item)) if (!names.includes(name)) names.push(name)
      const columns = names.slice(0, MAX_COLUMNS).map((name) => ({
        label: name,
        cell: (item) =>
          h('td', { class: 'data-cell', title: format(item[name]) }, name in item ? format(item[name]) : ''),
      }))
      table($('table-items'), columns, r.items, (item, tr) => {
        for (const el of $('table-items').querySelectorAll('.selected')) el.classList.remove('selected')
        tr.classList.add('selected')
        showItem(item)
      })
      for (const tr of $('table-items').querySelectorAll('tbody tr')) tr.dataset.testid = 'table-row'
      if (r.items.length === 0) $('table-items').append(h('caption', { class: 'muted' }, 'No items.'))
      pages = startAfter ? [...pages, startAfter] : []
      $('table-next').hidden = !r.lastKey
      $('table-next').onclick = () => run(r.lastKey)
      $('table-first').hidden = pages.length === 0
      $('table-status').textContent =
        `${r.operation === 'query' ? 'Query' : 'Scan'}: page ${pages.length + 1}, ${r.items.length} item${r.items.length === 1 ? '' : 's'}${r.lastKey ? ', more after' : ''}`
    } catch (error) {
      $('table-status').textContent = ''
      $('table-error').textContent = error.message
    }
  }

  const select = (name) => {
    current = name
    const t = schema()
    for (const li of $('tables-list').children) li.classList.toggle('selected', li.dataset.name === name)
    $('table-title').textContent = name
    $('table-pk-label').textContent = t.partitionKey
    $('table-sk').hidden = !t.sortKey
    $('table-sk-label').textContent = t.sortKey ?? ''
    $('table-form').hidden = false
    $('table-item').textContent = ''
    $('table-item-title').textContent = 'Item'
    run(undefined)
  }

  $('table-sk-op').replaceChildren(
    ...Object.keys(SORT_OPERATORS).map((op) => h('option', { value: op }, op || 'any')),
  )
  $('table-sk-op').addEventListener('change', () => {
    $('table-sk-value2').hidden = $('table-sk-op').value !== 'between'
  })
  $('table-form').addEventListener('submit', (e) => {
    e.preventDefault()
    run(undefined)
  })
  $('table-first').addEventListener('click', () => run(undefined))

  return {
    async load() {
      ;({ tables } = await api('tables'))
      $('tables-list').replaceChildren(
        ...tables.map((t) =>
          h(
            'li',
            { 'data-testid': `table-${t.name}`, 'data-name': t.name, onclick: () => select(t.name) },
            h('span', {}, t.name),
            h('span', { class: 'size' }, `${t.itemCount} item${t.itemCount === 1 ? '' : 's'}`),
          ),
        ),
      )
      if (tables.length === 0) $('tables-list').replaceChildren(h('li', { class: 'muted' }, 'no tables'))
    },
  }
}
