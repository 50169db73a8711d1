// The Lake, SQL and Tail panels.
import { api, bytes, h, stamp, table, timeEl } from './dom.js'

const $ = (id) => document.getElementById(id)
const TAIL_ROWS = 200

export function lakePanel() {
  let bucket
  const showPreview = async (key) => {
    $('preview-title').textContent = key
    $('preview').replaceChildren(h('span', { class: 'muted' }, 'loading…'))
    try {
      const r = await api(`lake/preview?bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`)
      const p = r.preview
      const meta = h(
        'p',
        { class: 'muted', 'data-testid': 'preview-meta' },
        `${bytes(r.size)} · ${r.contentType} · ${stamp(r.lastModified)}`,
      )
      if (p.format === 'parquet') {
        const t = h('table', { class: 'data mono', 'data-testid': 'preview-table' })
        table(t, p.columns, p.rows)
        $('preview').replaceChildren(
          meta,
          t,
          p.truncated ? h('p', { class: 'muted' }, 'first rows only') : '',
        )
      } else if (p.format === 'text') {
        $('preview').replaceChildren(
          meta,
          h('pre', { 'data-testid': 'preview-text' }, p.lines.join('\n')),
          p.truncated ? h('p', { class: 'muted' }, 'first lines only') : '',
        )
      } else {
        $('preview').replaceChildren(meta, h('p', { class: 'muted' }, p.message))
      }
    } catch (error) {
      $('preview').replaceChildren(h('p', { class: 'error' }, error.message))
    }
  }
  const list = async (prefix) => {
    $('lake-path').textContent = `${bucket}/${prefix}`
    const entries = $('lake-entries')
    entries.replaceChildren(h('li', { class: 'muted' }, 'loading…'))
    try {
      const r = await api(
        `lake/objects?bucket=${encodeURIComponent(bucket)}&prefix=${encodeURIComponent(prefix)}`,
      )
      const items = []
      if (prefix !== '') {
        const up = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1)
        items.push(h('li', { onclick: () => list(up) }, '..'))
      }
      for (const p of r.commonPrefixes)
        items.push(
          h('li', { 'data-testid': 'lake-prefix', onclick: () => list(p) }, `${p.slice(prefix.length)}`),
        )
      for (const o of r.objects) {
        const li = h(
          'li',
          {
            'data-testid': 'lake-object',
            onclick: () => {
              for (const el of entries.querySelectorAll('.selected')) el.classList.remove('selected')
              li.classList.add('selected')
              showPreview(o.key)
            },
          },
          h('span', {}, o.key.slice(prefix.length)),
          h('span', { class: 'size' }, bytes(o.size)),
        )
        items.push(li)
      }
      if (r.isTruncated) items.push(h('li', { class: 'muted' }, 'more objects not shown'))
      if (items.length === 0) items.push(h('li', { class: 'muted' }, 'empty'))
      entries.replaceChildren(...items)
    } catch (error) {
      entries.replaceChildren(h('li', { class: 'error' }, error.message))
    }
  }
  return {
    async load() {
      const { buckets } = await api('lake/buckets')
      $('buckets').replaceChildren(
        ...buckets.map((name) => {
          const li = h(
            'li',
            {
              'data-testid': `bucket-${name}`,
              onclick: () => {
                for (const el of $('buckets').querySelectorAll('.selected')) el.classList.remove('selected')
                li.classList.add('selected')
                bucket = name
                list('')
              },
            },
            name,
          )
          return li
        }),
      )
      if (buckets.length === 0) $('buckets').replaceChildren(h('li', { class: 'muted' }, 'no buckets'))
    },
  }
}

export function sqlPanel() {
  const run = async () => {
    const sql = $('sql').value
    $('sql-run').disabled = true
    $('sql-status').textContent = 'running…'
    try {
      const r = await api('query', { sql })
      table(
        $('sql-result'),
        r.columns.map((c) => ({ label: `${c.name} ${c.type}` })),
        r.rows,
      )
      $('sql-status').textContent =
        `${r.rowCount} row${r.rowCount === 1 ? '' : 's'}${r.truncated ? ' (truncated)' : ''} in ${r.elapsedMs} ms`
    } catch (error) {
      $('sql-status').textContent = ''
      $('sql-result').replaceChildren(
        h('caption', { class: 'error', 'data-testid': 'sql-error' }, error.detail ?? error.message),
      )
    } finally {
      $('sql-run').disabled = false
    }
  }
  $('sql-run').addEventListener('click', run)
  $('sql').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run()
  })
}

function decode(base64, utf8) {
  if (!utf8) return base64
  const raw = atob(base64)
  const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}

export function tailPanel() {
  let source
  let count = 0
  const stop = () => {
    source?.close()
    source = undefined
    $('tail-toggle').textContent = 'Start'
  }
  const start = () => {
    const stream = $('tail-stream').value
    if (!stream) return
    stop()
    $('tail-records').replaceChildren()
    count = 0
    source = new EventSource(`/ui/api/tail?stream=${encodeURIComponent(stream)}`)
    $('tail-toggle').textContent = 'Stop'
    $('tail-status').textContent = 'waiting for records…'
    source.addEventListener('records', (e) => {
      const { records, dropped } = JSON.parse(e.data)
      const body = $('tail-records')
      const utf8 = $('tail-utf8').checked
      for (const r of records) {
        body.prepend(
          h(
            'tr',
            { 'data-testid': 'tail-record' },
            h('td', {}, timeEl(r.arrival)),
            h('td', {}, r.shardId.replace('shardId-', '')),
            h('td', {}, r.partitionKey),
            h(
              'td',
              { class: 'data-cell', title: r.sequenceNumber },
              decode(r.data, utf8),
              r.size > (r.data.length * 3) / 4 + 3 ? ` … (${bytes(r.size)})` : '',
            ),
          ),
        )
      }
      // Only the newest rows stay in the page.
      while (body.childElementCount > TAIL_ROWS) body.lastElementChild.remove()
      count += records.length
      $('tail-status').textContent =
        `${count} records${dropped ? `, ${dropped} batches dropped (slow page)` : ''}`
    })
    source.addEventListener('error', () => {
      $('tail-status').textContent = 'disconnected; retrying…'
    })
  }
  $('tail-toggle').addEventListener('click', () => (source ? stop() : start()))
  $('tail-stream').addEventListener('change', () => source && start())
  return {
    async load() {
      const { streams } = await api('streams')
      const current = $('tail-stream').value
      $('tail-stream').replaceChildren(
        ...streams.map((name) => h('option', { value: name, selected: name === current }, name)),
      )
    },
  }
}
