// The search group: the OpenSearch API of a search index over loopback HTTP, in this process —
// `_bulk` of 1,000-document NDJSON bodies (documents per second of request time: parse, index,
// fsync before the reply; building the bodies is not counted) into an index of 1M taxi-trip
// documents, then `_search` latency (p50/p99) over a mix of queries on the full index.
import { startPipeline } from '../src/testing/index.ts'
import { fix, int, mark, table } from './markdown.ts'

export interface SearchBenchResult {
  docs: number
  bulkDocs: number
  docsPerSec: number
  searches: number
  p50: number
  p99: number
  /** p99 of each query of the mix. */
  perQuery: { name: string; p99: number }[]
  indexMB: number
}

const ZONES = 260
const WORDS =
  'airport downtown rain night late early smooth bumpy quick detour traffic bridge tunnel park'.split(' ')

function trip(i: number, t0: number): Record<string, unknown> {
  return {
    zone: `zone-${(i * 7919) % ZONES}`,
    vendor: `v${i % 3}`,
    payment: ['card', 'cash', 'none', 'dispute'][i % 4],
    fare: 2.5 + ((i * 37) % 900) / 10,
    tip: ((i * 13) % 200) / 10,
    distance: ((i * 17) % 300) / 10,
    pickup: new Date(t0 + i * 250).toISOString(),
    notes: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ride ${WORDS[(i * 3) % WORDS.length]}`,
  }
}

const MIX: { name: string; body: (i: number) => Record<string, unknown> }[] = [
  {
    name: 'term + range filter, newest 10',
    body: (i) => ({
      query: {
        bool: { filter: [{ term: { zone: `zone-${i % ZONES}` } }, { range: { fare: { gte: 40 } } }] },
      },
      sort: [{ pickup: 'desc' }],
    }),
  },
  {
    name: 'match_all, newest 20',
    body: () => ({ query: { match_all: {} }, sort: [{ pickup: 'desc' }], size: 20 }),
  },
  {
    name: 'match (2 words) in one zone',
    body: (i) => ({
      query: {
        bool: {
          must: [{ match: { notes: `${WORDS[i % WORDS.length]} bridge` } }],
          filter: [{ term: { zone: `zone-${i % ZONES}` } }],
        },
      },
    }),
  },
  {
    name: 'one hour: terms + avg, date_histogram',
    body: (i) => ({
      size: 0,
      query: {
        range: {
          pickup: {
            gte: new Date(Date.UTC(2026, 0, 1) + (i % 60) * 3_600_000).toISOString(),
            lt: new Date(Date.UTC(2026, 0, 1) + ((i % 60) + 1) * 3_600_000).toISOString(),
          },
        },
      },
      aggs: {
        zones: { terms: { field: 'payment' }, aggs: { fare: { avg: { field: 'fare' } } } },
        per_5m: { date_histogram: { field: 'pickup', fixed_interval: '5m' } },
      },
    }),
  },
  {
    name: 'query_string',
    body: (i) => ({ query: { query_string: { query: `vendor:v${i % 3} AND zone:zone-${i % ZONES}` } } }),
  },
]

export async function searchGroup(options: {
  quick: boolean
  log: (line: string) => void
}): Promise<SearchBenchResult> {
  const docs = Number(process.env.SEARCH_DOCS ?? (options.quick ? 100_000 : 1_000_000))
  const bulkDocs = 1000
  const p = await startPipeline(
    {
      name: 'bench-search',
      searchIndexes: {
        trips: {
          mappings: {
            properties: {
              zone: { type: 'keyword' },
              vendor: { type: 'keyword' },
              payment: { type: 'keyword' },
              fare: { type: 'double' },
              tip: { type: 'double' },
              distance: { type: 'double' },
              pickup: { type: 'date' },
              notes: { type: 'text' },
            },
          },
        },
      },
    } as never,
    { serve: true },
  )
  try {
    const base = `${p.endpoint}/_opensearch`
    const t0 = Date.UTC(2026, 0, 1)
    let busyMs = 0
    for (let from = 0; from < docs; from += bulkDocs) {
      const lines: string[] = []
      for (let i = from; i < Math.min(docs, from + bulkDocs); i++)
        lines.push(`{"index":{"_index":"trips","_id":"t${i}"}}`, JSON.stringify(trip(i, t0)))
      const body = `${lines.join('\n')}\n`
      const at = performance.now()
      const res = await fetch(`${base}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
      })
      const reply = (await res.json()) as { errors: boolean }
      busyMs += performance.now() - at
      if (!res.ok || reply.errors) throw new Error(`_bulk failed at ${from}: HTTP ${res.status}`)
      if (from % 100_000 === 0 && from > 0)
        options.log(`search: ${int(from)} docs indexed (${int(from / (busyMs / 1000))} docs/s)`)
    }
    const docsPerSec = docs / (busyMs / 1000)
    const times: number[] = []
    const per = new Map<string, number[]>()
    for (let round = 0; round < 40; round++)
      for (const q of MIX) {
        const at = performance.now()
        const res = await fetch(`${base}/trips/_search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(q.body(round)),
        })
        await res.json()
        const ms = performance.now() - at
        if (!res.ok) throw new Error(`_search '${q.name}' failed: HTTP ${res.status}`)
        if (round < 2) continue // warm-up
        times.push(ms)
        per.set(q.name, [...(per.get(q.name) ?? []), ms])
      }
    const pct = (list: number[], q: number) =>
      [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!
    const cat = (await (await fetch(`${base}/_cat/indices?format=json`)).json()) as { 'store.size': string }[]
    const r: SearchBenchResult = {
      docs,
      bulkDocs,
      docsPerSec,
      searches: times.length,
      p50: pct(times, 0.5),
      p99: pct(times, 0.99),
      perQuery: MIX.map((q) => ({ name: q.name, p99: pct(per.get(q.name)!, 0.99) })),
      indexMB: Number.parseInt(cat[0]?.['store.size'] ?? '0', 10) / 1e6,
    }
    options.log(
      `search: _bulk ${int(r.docsPerSec)} docs/s, _search p50 ${fix(r.p50)} / p99 ${fix(r.p99)} ms on ${int(docs)} docs`,
    )
    return r
  } finally {
    await p.dispose()
  }
}

export function searchSection(r: SearchBenchResult | undefined): string[] {
  if (!r) return []
  return [
    `### Search index: the OpenSearch API over ${int(r.docs)} taxi-trip documents`,
    '',
    `\`_bulk\` in bodies of ${int(r.bulkDocs)} documents over loopback HTTP (time in requests: parsing, indexing, fsync before the reply), then ${int(r.searches)} \`_search\` requests, a mix of ${MIX.length} queries; index ${fix(r.indexMB)} MB on disk.`,
    '',
    table(
      ['case', 'result', 'target'],
      [
        ['`_bulk` documents per second', int(r.docsPerSec), `${mark(r.docsPerSec >= 10_000)} ≥ 10,000`],
        ['`_search` p50 / p99', `${fix(r.p50)} / ${fix(r.p99)} ms`, `${mark(r.p99 <= 50)} p99 ≤ 50 ms`],
        ...r.perQuery.map((q) => [`· ${q.name}, p99`, `${fix(q.p99)} ms`, '']),
      ],
    ),
    '',
  ]
}
