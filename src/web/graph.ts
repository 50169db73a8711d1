import type { Pipeline } from '../pipeline/schema.ts'

export interface GraphNode {
  /** `<kind>:<name>`, unique across kinds. */
  id: string
  /** The pipeline section the resource is declared in, singular: `stream`, `function`, ... */
  kind: string
  name: string
  /** Column in the layered layout: 0 for sources, growing along the data flow. */
  layer: number
}

export interface GraphEdge {
  from: string
  to: string
  /** What the edge stands for: `mapping`, `on failure`, `dead letters`, `notification`, ... */
  label: string
}

export interface PipelineGraph {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

/**
 * Pipeline sections whose records are resources, singular kind first. Any other record-valued
 * section (e.g. `alarms`) is not drawn: it describes resources rather than moving data.
 */
const SECTIONS: Record<string, string> = {
  streams: 'stream',
  functions: 'function',
  deliveries: 'delivery',
  queues: 'queue',
  topics: 'topic',
  tables: 'table',
  schedules: 'schedule',
  buckets: 'bucket',
  catalog: 'catalog',
}

/** Field names that reference another resource, by the kind they name. */
const REFERENCE_FIELDS: Record<string, string> = {
  stream: 'stream',
  function: 'function',
  queue: 'queue',
  topic: 'topic',
  bucket: 'bucket',
}

/**
 * References whose data flows *into* the resource holding them (the default is out of it), and
 * references that name another kind than the field says, keyed `<kind>:<path>`.
 */
const SPECIAL_REFERENCES: Record<string, { kind?: string; inbound?: boolean; label: string }> = {
  'delivery:stream': { inbound: true, label: 'source' },
  'delivery:processing.function': { label: 'transform' },
  'delivery:format.parquet.table': { kind: 'catalog', inbound: true, label: 'schema' },
  'catalog:bucket': { inbound: true, label: 'files' },
  'delivery:bucket': { label: 'writes' },
  'schedule:function': { label: 'trigger' },
  'queue:deadLetterQueue.queue': { label: 'dead letters' },
  'function:deadLetterQueue.queue': { label: 'dead letters' },
}

function labelFor(path: string): string {
  if (path.includes('onFailure')) return 'on failure'
  if (path.startsWith('notifications')) return 'notification'
  if (path.startsWith('subscriptions')) return 'subscription'
  return path.split('.').at(-1) ?? path
}

/** Free-form fields: a schedule's constant input may contain anything, e.g. `{ queue: 'x' }`. */
const OPAQUE_FIELDS = new Set(['input', 'environment', 'filterCriteria'])

/** Every `{ path, field, value }` string under `value` whose field name is a reference field. */
function references(value: unknown, path = ''): Array<{ path: string; field: string; name: string }> {
  if (value === null || typeof value !== 'object') return []
  const found: Array<{ path: string; field: string; name: string }> = []
  for (const [key, child] of Object.entries(value)) {
    if (OPAQUE_FIELDS.has(key)) continue
    const childPath = Array.isArray(value) ? path : path ? `${path}.${key}` : key
    if (typeof child === 'string' && key in REFERENCE_FIELDS)
      found.push({ path: childPath, field: key, name: child })
    else found.push(...references(child, childPath))
  }
  return found
}

/**
 * The pipeline as a graph: a node per resource, an edge per reference (mappings, destinations,
 * deliveries, notifications, subscriptions, schedules, dead-letter queues), laid out in layers by
 * the longest path from a source.
 */
export function buildGraph(pipeline: Pipeline): PipelineGraph {
  const nodes = new Map<string, GraphNode>()
  for (const [section, kind] of Object.entries(SECTIONS)) {
    const resources = (pipeline as unknown as Record<string, unknown>)[section]
    if (resources === null || typeof resources !== 'object') continue
    for (const name of Object.keys(resources))
      nodes.set(`${kind}:${name}`, { id: `${kind}:${name}`, kind, name, layer: 0 })
  }
  const edges: GraphEdge[] = []
  const seen = new Set<string>()
  const add = (from: string, to: string, label: string) => {
    const key = `${from}>${to}>${label}`
    if (from === to || seen.has(key) || !nodes.has(from) || !nodes.has(to)) return
    seen.add(key)
    edges.push({ from, to, label })
  }
  for (const [section, kind] of Object.entries(SECTIONS)) {
    const resources = (pipeline as unknown as Record<string, Record<string, unknown>>)[section] ?? {}
    for (const [name, config] of Object.entries(resources)) {
      for (const ref of references(config)) {
        const special = SPECIAL_REFERENCES[`${kind}:${ref.path}`]
        const other = `${special?.kind ?? REFERENCE_FIELDS[ref.field]}:${ref.name}`
        const self = `${kind}:${name}`
        const label = special?.label ?? labelFor(ref.path)
        if (special?.inbound) add(other, self, label)
        else add(self, other, label)
      }
    }
  }
  for (const mapping of pipeline.mappings) {
    const m = mapping as unknown as Record<string, unknown>
    const source = typeof m.stream === 'string' ? `stream:${m.stream}` : `queue:${String(m.queue)}`
    const target = `function:${String(m.function)}`
    add(source, target, 'mapping')
    const { function: _f, stream: _s, queue: _q, ...rest } = m
    for (const ref of references(rest))
      add(target, `${REFERENCE_FIELDS[ref.field]}:${ref.name}`, labelFor(ref.path))
  }
  layout([...nodes.values()], edges)
  return { nodes: [...nodes.values()], edges }
}

/** Longest-path layering; back edges of cycles are ignored. Unconnected resources go last. */
function layout(nodes: GraphNode[], edges: GraphEdge[]): void {
  const out = new Map<string, string[]>()
  const connected = new Set<string>()
  for (const e of edges) {
    out.set(e.from, [...(out.get(e.from) ?? []), e.to])
    connected.add(e.from)
    connected.add(e.to)
  }
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const state = new Map<string, 'visiting' | 'done'>()
  const order: string[] = []
  const visit = (id: string) => {
    if (state.has(id)) return
    state.set(id, 'visiting')
    for (const next of out.get(id) ?? []) if (state.get(next) !== 'visiting') visit(next)
    state.set(id, 'done')
    order.push(id)
  }
  for (const n of nodes) visit(n.id)
  order.reverse()
  const position = new Map(order.map((id, i) => [id, i]))
  for (const id of order) {
    const node = byId.get(id)!
    for (const next of out.get(id) ?? []) {
      // Only forward edges in topological order (cycle back edges would push layers forever).
      if (position.get(next)! > position.get(id)!) {
        const target = byId.get(next)!
        target.layer = Math.max(target.layer, node.layer + 1)
      }
    }
  }
  const last = Math.max(0, ...nodes.filter((n) => connected.has(n.id)).map((n) => n.layer))
  for (const n of nodes) if (!connected.has(n.id)) n.layer = last
}
