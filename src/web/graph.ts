import type { BindingUse } from '../functions/binding-usage.ts'
import type { Pipeline } from '../pipeline/schema.ts'

export interface GraphNode {
  /** `<kind>:<name>`, unique across kinds. */
  id: string
  /** The pipeline section the resource is declared in, singular: `stream`, `function`, `alarm`, ... */
  kind: string
  name: string
}

export interface GraphEdge {
  /** `<from>><to>><label>`: live rates are keyed by it. */
  id: string
  from: string
  to: string
  /** What the edge stands for: `mapping`, `on failure`, `writes`, `ALARM`, ... (empty: drawn bare). */
  label: string
  /**
   * `config`: a reference in the definition (mappings, deliveries, ...); `binding`: handler code
   * reads or writes the resource through its bindings; `metric`: an alarm watches the resource.
   */
  type: 'config' | 'binding' | 'metric'
  /** Binding edges: declared in `reads`/`writes`; observed at run time; used but not declared. */
  declared?: boolean
  observed?: boolean
  undeclared?: boolean
  /** Binding edges: the function both reads and writes the resource (one edge, arrows both ways). */
  twoWay?: boolean
  /** A sentence for the edge's tooltip. */
  title: string
}

export interface PipelineGraph {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

/**
 * Pipeline sections whose records are resources, singular kind first. Any other record-valued
 * section is not drawn.
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
  alarms: 'alarm',
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

/** CloudWatch dimensions that name a resource of the pipeline: an alarm on them watches it. */
const DIMENSION_KINDS: Record<string, string> = {
  StreamName: 'stream',
  FunctionName: 'function',
  QueueName: 'queue',
  DeliveryStreamName: 'delivery',
  TopicName: 'topic',
  RuleName: 'schedule',
}

/** An alarm's action lists, by the CloudWatch state that triggers them. */
const ALARM_STATES: Record<string, string> = {
  alarm: 'ALARM',
  ok: 'OK',
  insufficientData: 'INSUFFICIENT_DATA',
}

function labelFor(path: string): string {
  if (path.includes('onFailure')) return 'on failure'
  if (path.startsWith('notifications')) return 'notification'
  if (path.startsWith('subscriptions')) return 'subscription'
  return path.split('.').at(-1) ?? path
}

/**
 * Fields that are not references: a schedule's constant input may contain anything (`{ queue: 'x' }`),
 * and `reads`/`writes` are drawn as binding edges.
 */
const OPAQUE_FIELDS = new Set(['input', 'environment', 'filterCriteria', 'reads', 'writes'])

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

type EdgeInput = Omit<GraphEdge, 'id'>

/**
 * The pipeline as a graph: a node per resource and alarm; an edge per reference (mappings,
 * destinations, deliveries, notifications, subscriptions, schedules, dead-letter queues), per
 * alarm action (alarm → topic) and watched resource (resource → alarm), and per resource a
 * function's bindings read or write, declared (`reads`/`writes`) or observed (`uses`).
 */
export function buildGraph(pipeline: Pipeline, uses: readonly BindingUse[] = []): PipelineGraph {
  const nodes = new Map<string, GraphNode>()
  for (const [section, kind] of Object.entries(SECTIONS)) {
    const resources = (pipeline as unknown as Record<string, unknown>)[section]
    if (resources === null || typeof resources !== 'object') continue
    for (const name of Object.keys(resources))
      nodes.set(`${kind}:${name}`, { id: `${kind}:${name}`, kind, name })
  }
  const edges: GraphEdge[] = []
  const add = (edge: EdgeInput) => {
    const id = `${edge.from}>${edge.to}>${edge.label}`
    if (edge.from === edge.to || !nodes.has(edge.from) || !nodes.has(edge.to)) return
    if (edges.some((e) => e.id === id)) return
    edges.push({ id, ...edge })
  }
  const config = (from: string, to: string, label: string) =>
    add({ from, to, label, type: 'config', title: `${from} → ${to} (${label})` })
  for (const [section, kind] of Object.entries(SECTIONS)) {
    if (kind === 'alarm') continue
    const resources = (pipeline as unknown as Record<string, Record<string, unknown>>)[section] ?? {}
    for (const [name, value] of Object.entries(resources)) {
      for (const ref of references(value)) {
        const special = SPECIAL_REFERENCES[`${kind}:${ref.path}`]
        const other = `${special?.kind ?? REFERENCE_FIELDS[ref.field]}:${ref.name}`
        const self = `${kind}:${name}`
        const label = special?.label ?? labelFor(ref.path)
        if (special?.inbound) config(other, self, label)
        else config(self, other, label)
      }
    }
  }
  for (const mapping of pipeline.mappings) {
    const m = mapping as unknown as Record<string, unknown>
    const source = typeof m.stream === 'string' ? `stream:${m.stream}` : `queue:${String(m.queue)}`
    const target = `function:${String(m.function)}`
    config(source, target, 'mapping')
    const { function: _f, stream: _s, queue: _q, ...rest } = m
    for (const ref of references(rest))
      config(target, `${REFERENCE_FIELDS[ref.field]}:${ref.name}`, labelFor(ref.path))
  }
  alarmEdges(pipeline, add)
  bindingEdges(pipeline, uses, add)
  return { nodes: [...nodes.values()], edges }
}

function alarmEdges(pipeline: Pipeline, add: (edge: EdgeInput) => void): void {
  for (const [name, alarm] of Object.entries(pipeline.alarms ?? {})) {
    const self = `alarm:${name}`
    const metrics = alarm.metric
      ? [alarm.metric]
      : (alarm.metrics ?? []).flatMap((q) => (q.metric ? [q.metric] : []))
    for (const metric of metrics)
      for (const [dimension, value] of Object.entries(metric.dimensions)) {
        const kind = DIMENSION_KINDS[dimension]
        if (kind)
          add({
            from: `${kind}:${value}`,
            to: self,
            label: '',
            type: 'metric',
            title: `alarm ${name} watches ${metric.namespace} ${metric.name} of ${kind} ${value}`,
          })
      }
    // One edge per topic, naming every state that notifies it.
    const states = new Map<string, string[]>()
    for (const [field, topics] of Object.entries(alarm.actions ?? {}))
      for (const topic of topics as string[])
        states.set(topic, [...(states.get(topic) ?? []), ALARM_STATES[field] ?? field])
    for (const [topic, on] of states)
      add({
        from: self,
        to: `topic:${topic}`,
        label: on.join(', '),
        type: 'config',
        title: `alarm ${name} publishes to topic ${topic} on ${on.join(', ')}`,
      })
  }
}

interface Access {
  declared: boolean
  observed: boolean
}

/** Edges for what each function's bindings read and write: declared, observed, or both. */
function bindingEdges(pipeline: Pipeline, uses: readonly BindingUse[], add: (edge: EdgeInput) => void): void {
  // function → `kind:name` → read/write
  const found = new Map<string, Map<string, { read?: Access; write?: Access }>>()
  const mark = (fn: string, resource: string, access: 'read' | 'write', how: keyof Access) => {
    const byResource = found.get(fn) ?? new Map()
    found.set(fn, byResource)
    const entry = byResource.get(resource) ?? {}
    byResource.set(resource, entry)
    entry[access] ??= { declared: false, observed: false }
    entry[access][how] = true
  }
  for (const [fn, f] of Object.entries(pipeline.functions)) {
    for (const ref of f.reads ?? [])
      for (const [k, v] of Object.entries(ref)) mark(fn, `${k}:${v}`, 'read', 'declared')
    for (const ref of f.writes ?? [])
      for (const [k, v] of Object.entries(ref)) mark(fn, `${k}:${v}`, 'write', 'declared')
  }
  for (const use of uses) mark(use.function, `${use.kind}:${use.resource}`, use.access, 'observed')
  for (const [fn, byResource] of found) {
    const self = `function:${fn}`
    for (const [resource, { read, write }] of byResource) {
      const accesses = [read, write].filter((a): a is Access => a !== undefined)
      const flags = {
        declared: accesses.some((a) => a.declared),
        observed: accesses.some((a) => a.observed),
        undeclared: accesses.some((a) => a.observed && !a.declared),
      }
      const [kind, name] = [
        resource.slice(0, resource.indexOf(':')),
        resource.slice(resource.indexOf(':') + 1),
      ]
      const how = (a: Access | undefined, verb: 'reads' | 'writes') => {
        if (!a) return []
        if (!a.observed) return [`${verb} ${kind} ${name} (declared; not used since start)`]
        return [
          `${verb} ${kind} ${name}${a.declared ? ' (declared)' : ` without declaring it in ${verb}: on AWS it would lack the permission`}`,
        ]
      }
      const title = `function ${fn} ${[...how(read, 'reads'), ...how(write, 'writes')].join('; ')}`
      if (read && write)
        add({
          from: self,
          to: resource,
          label: 'reads/writes',
          type: 'binding',
          twoWay: true,
          ...flags,
          title,
        })
      else if (write) add({ from: self, to: resource, label: 'writes', type: 'binding', ...flags, title })
      else add({ from: resource, to: self, label: 'reads', type: 'binding', ...flags, title })
    }
  }
}
