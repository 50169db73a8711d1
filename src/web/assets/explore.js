// The Explore panel: search an index with a query string, narrow it with field filters, and see
// how its hits fall over time. Every request is an OpenSearch `_search` body (docs/search.md).
import { api, format, h, s, table } from './dom.js'

const $ = (id) => document.getElementById(id)
const HITS = 50
const BARS = 40
const TOP_VALUES = 5
const MAX_FIELDS = 8
const MAX_COLUMNS = 8
/** Histogram steps, the smallest giving at most {@link BARS} bars is used. */
const STEPS = [
  ['1s', 1e3],
  ['5s', 5e3],
  ['10s', 1e4],
  ['30s', 3e4],
  ['1m', 6e4],
  ['5m', 3e5],
  ['10m', 6e5],
  ['30m', 18e5],
  ['1h', 36e5],
  ['3h', 108e5],
  ['12h', 432e5],
  ['1d', 864e5],
  ['7d', 6048e5],
  ['30d', 2592e6],
  ['365d', 31536e6],
]

export function explorePanel() {
  let indexes = []
  let current
  /** Active filters: `{ field, value }` (a term) or `{ field, from, to, label }` (a time range). */
  let filters = []

  const index = () => indexes.find((i) => i.name === current)
  /** Fields whose values are worth listing: keyword, boolean and numeric leaves. */
  const facetFields = () =>
    index()
      .fields.filter(
        (f) => f.type === 'keyword' || f.type === 'boolean' || f.type === 'long' || f.type === 'integer',
      )
      .slice(0, MAX_FIELDS)

  const query = () => {
    const text = $('explore-query').value.trim()
    const filter = filters.map((f) =>
      'value' in f ? { term: { [f.field]: f.value } } : { range: { [f.field]: { gte: f.from, lt: f.to } } },
    )
    return { bool: { must: [text ? { query_string: { query: text } } : { match_all: {} }], filter } }
  }

  const search = (body) => api(`indexes/${encodeURIComponent(current)}/search`, body)

  const run = async () => {
    const i = index()
    if (!i) return
    $('explore-error').textContent = ''
    $('explore-status').textContent = 'searching…'
    try {
      const q = query()
      const timeField = i.timeField
      const aggs = Object.fromEntries(
        facetFields().map((f) => [f.path, { terms: { field: f.path, size: TOP_VALUES } }]),
      )
      if (timeField)
        Object.assign(aggs, { first: { min: { field: timeField } }, last: { max: { field: timeField } } })
      const r = await search({
        query: q,
        size: HITS,
        track_total_hits: true,
        ...(timeField ? { sort: [{ [timeField]: { order: 'desc', unmapped_type: 'date' } }] } : {}),
        aggs,
      })
      const total = r.hits.total.value
      $('explore-status').textContent =
        `${total.toLocaleString()} hit${total === 1 ? '' : 's'}${total > HITS ? `, newest ${HITS} shown` : ''} · ${r.took} ms`
      renderHits(r.hits.hits)
      renderFields(r.aggregations ?? {})
      await renderHistogram(q, timeField, r.aggregations?.first?.value, r.aggregations?.last?.value)
    } catch (error) {
      $('explore-status').textContent = ''
      $('explore-error').textContent = error.message
    }
  }

  const renderHits = (hits) => {
    const names = []
    for (const hit of hits)
      for (const name of Object.keys(hit._source ?? {})) if (!names.includes(name)) names.push(name)
    const columns = [
      { label: '_id', cell: (hit) => h('td', {}, hit._id) },
      ...names.slice(0, MAX_COLUMNS).map((name) => ({
        label: name,
        cell: (hit) =>
          h(
            'td',
            { class: 'data-cell', title: format(hit._source?.[name]) },
            name in (hit._source ?? {}) ? format(hit._source[name]) : '',
          ),
      })),
    ]
    table($('explore-hits'), columns, hits)
    for (const tr of $('explore-hits').querySelectorAll('tbody tr')) tr.dataset.testid = 'explore-hit'
    if (hits.length === 0) $('explore-hits').append(h('caption', { class: 'muted' }, 'No hits.'))
  }

  const renderFields = (aggs) => {
    $('explore-fields').replaceChildren(
      ...facetFields().map((f) =>
        h(
          'div',
          { class: 'facet', 'data-testid': `explore-field-${f.path}` },
          h('h3', {}, f.path),
          h(
            'ul',
            { class: 'list' },
            (aggs[f.path]?.buckets ?? []).map((b) =>
              h(
                'li',
                {
                  'data-testid': 'explore-value',
                  onclick: () => addFilter({ field: f.path, value: b.key_as_string ?? b.key }),
                },
                h('span', {}, b.key_as_string ?? String(b.key)),
                h('span', { class: 'size' }, b.doc_count.toLocaleString()),
              ),
            ),
          ),
        ),
      ),
    )
  }

  const renderHistogram = async (q, timeField, first, last) => {
    const el = $('explore-histogram')
    if (!timeField || first == null) {
      el.replaceChildren(
        h('p', { class: 'muted' }, timeField ? 'No hits to chart.' : 'No date field to chart.'),
      )
      return
    }
    const [interval, ms] = STEPS.find(([, ms]) => (last - first) / ms < BARS) ?? STEPS.at(-1)
    const r = await search({
      query: q,
      size: 0,
      aggs: {
        over_time: { date_histogram: { field: timeField, fixed_interval: interval, min_doc_count: 0 } },
      },
    })
    const buckets = r.aggregations.over_time.buckets
    const max = Math.max(1, ...buckets.map((b) => b.doc_count))
    const width = 100 / buckets.length
    el.replaceChildren(
      h('p', { class: 'muted' }, `${timeField} per ${interval}`),
      s(
        'svg',
        { viewBox: '0 0 100 30', preserveAspectRatio: 'none', class: 'bars' },
        buckets.map((b, i) =>
          s(
            'rect',
            {
              x: i * width + width * 0.1,
              y: 30 - (b.doc_count / max) * 30,
              width: width * 0.8,
              height: (b.doc_count / max) * 30,
              class: 'bar',
              'data-testid': 'explore-bar',
              'data-count': b.doc_count,
              onclick: () =>
                addFilter({
                  field: timeField,
                  from: b.key,
                  to: b.key + ms,
                  label: `${b.key_as_string} +${interval}`,
                }),
            },
            s('title', {}, `${b.key_as_string}: ${b.doc_count}`),
          ),
        ),
      ),
    )
  }

  const renderFilters = () => {
    $('explore-filters').replaceChildren(
      ...filters.map((f, i) =>
        h(
          'span',
          { class: 'chip', 'data-testid': 'explore-filter' },
          `${f.field}: ${'value' in f ? f.value : f.label}`,
          h(
            'button',
            { type: 'button', class: 'link', title: 'Remove', onclick: () => removeFilter(i) },
            '×',
          ),
        ),
      ),
    )
  }
  const addFilter = (f) => {
    filters = [...filters, f]
    renderFilters()
    run()
  }
  const removeFilter = (i) => {
    filters = filters.filter((_, k) => k !== i)
    renderFilters()
    run()
  }

  const select = (name) => {
    current = name
    filters = []
    renderFilters()
    for (const li of $('explore-indexes').children) li.classList.toggle('selected', li.dataset.name === name)
    run()
  }

  $('explore-form').addEventListener('submit', (e) => {
    e.preventDefault()
    run()
  })

  return {
    async load() {
      ;({ indexes } = await api('indexes'))
      $('explore-indexes').replaceChildren(
        ...indexes.map((i) =>
          h(
            'li',
            { 'data-testid': `explore-index-${i.name}`, 'data-name': i.name, onclick: () => select(i.name) },
            h('span', {}, i.name),
            h('span', { class: 'size' }, `${i.docCount.toLocaleString()} docs`),
          ),
        ),
      )
      if (indexes.length === 0)
        $('explore-indexes').replaceChildren(h('li', { class: 'muted' }, 'no search indexes'))
      else select(indexes.some((i) => i.name === current) ? current : indexes[0].name)
    },
  }
}
