import type { BindingUse } from '../functions/binding-usage.ts'
import type { AnyKind } from '../kind/kind.ts'
import { KINDS } from '../pipeline/kinds.ts'
import { declaredResources, resourcesOf } from '../pipeline/resources.ts'
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

type EdgeInput = Omit<GraphEdge, 'id'>

/** A reference a resource's settings make to what its handler's bindings read or write. */
interface DeclaredAccess {
  from: string
  resource: string
  access: 'read' | 'write'
}

/**
 * The pipeline as a graph, derived from the kinds (`src/pipeline/kinds.ts`): a node per resource
 * of each kind that has nodes; an edge per reference a resource's settings make (mappings,
 * destinations, deliveries, notifications, subscriptions, schedules, dead-letter queues), plus
 * the edges a kind draws itself (an alarm's actions and watched resources); and per resource a
 * function's bindings read or write, declared (`reads`/`writes`) or observed (`uses`).
 */
export function buildGraph(
  pipeline: Pipeline,
  uses: readonly BindingUse[] = [],
  kinds: readonly AnyKind[] = KINDS,
): PipelineGraph {
  const nodes = new Map<string, GraphNode>()
  for (const kind of kinds)
    if (kind.layout === 'named' && kind.graph?.node !== false)
      for (const { name } of resourcesOf(pipeline, kind, kinds))
        nodes.set(`${kind.kind}:${name}`, { id: `${kind.kind}:${name}`, kind: kind.kind, name })
  const edges: GraphEdge[] = []
  const add = (edge: EdgeInput) => {
    const id = `${edge.from}>${edge.to}>${edge.label}`
    if (edge.from === edge.to || !nodes.has(edge.from) || !nodes.has(edge.to)) return
    if (edges.some((e) => e.id === id)) return
    edges.push({ id, ...edge })
  }
  const config = (from: string, to: string, label: string) =>
    add({ from, to, label, type: 'config', title: `${from} → ${to} (${label})` })
  const access: DeclaredAccess[] = []
  for (const { kind, name, config: settings } of declaredResources(pipeline, kinds)) {
    const self = `${kind.kind}:${name}`
    const drawn = kind.graph?.node !== false && kind.graph?.references !== false
    for (const ref of kind.references?.(settings) ?? []) {
      const other = `${ref.kind}:${ref.name}`
      if (ref.access) access.push({ from: self, resource: other, access: ref.access })
      else if (drawn) ref.inbound ? config(other, self, ref.label) : config(self, other, ref.label)
    }
    for (const edge of kind.graph?.edges?.(settings, name) ?? [])
      add({
        from: edge.from,
        to: edge.to,
        label: edge.label,
        type: edge.type ?? 'config',
        title: edge.title ?? `${edge.from} → ${edge.to} (${edge.label})`,
      })
  }
  bindingEdges(access, uses, add)
  return { nodes: [...nodes.values()], edges }
}

interface Access {
  declared: boolean
  observed: boolean
}

/** Edges for what each function's bindings read and write: declared, observed, or both. */
function bindingEdges(
  declared: readonly DeclaredAccess[],
  uses: readonly BindingUse[],
  add: (edge: EdgeInput) => void,
): void {
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
  for (const d of declared) mark(d.from.slice(d.from.indexOf(':') + 1), d.resource, d.access, 'declared')
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
