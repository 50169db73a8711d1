import type { AnyKind } from '../kind/kind.ts'
import { KINDS } from './kinds.ts'
import type { Pipeline } from './schema.ts'

/** One resource of the definition: its kind, where it is, its settings. */
export interface Declared {
  kind: AnyKind
  /** Its name (`named` kinds) or `section[i]` (`list` kinds). */
  name: string
  /** Its path in the definition: `['queues', 'orders']`, `['mappings', 0]`. */
  at: readonly (string | number)[]
  config: unknown
}

const kinds: readonly AnyKind[] = KINDS

/** Every resource of one kind, in declaration order (`of`: the kinds the pipeline was parsed with). */
export function resourcesOf(pipeline: Pipeline, kind: AnyKind, of: readonly AnyKind[] = kinds): Declared[] {
  // The pipeline's sections are the kinds' (schema.ts builds them from the same list).
  const section = (pipeline as unknown as Readonly<Record<string, unknown>>)[kind.section]
  if (kind.layout === 'named')
    return Object.entries((section ?? {}) as Record<string, unknown>).map(([name, config]) => ({
      kind,
      name,
      at: [kind.section, name],
      config,
    }))
  // An entry belongs to the first kind of its section that claims it (as the schema parsed it).
  const owner = (entry: Record<string, unknown>) =>
    of.find((k) => k.section === kind.section && (k.claims?.(entry) ?? true))
  const entries = (section ?? []) as readonly Record<string, unknown>[]
  return entries.flatMap((config, i) =>
    owner(config) === kind ? [{ kind, name: `${kind.section}[${i}]`, at: [kind.section, i], config }] : [],
  )
}

/** Every resource the definition declares, kind by kind in the list's order. */
export function declaredResources(pipeline: Pipeline, of: readonly AnyKind[] = kinds): Declared[] {
  return of.flatMap((kind) => resourcesOf(pipeline, kind, of))
}

/**
 * The kinds in build order: each after the kinds it `dependsOn`, otherwise in the list's order.
 * Stopping goes the other way. Throws on a dependency that is no kind, or a cycle.
 */
export function buildOrder(of: readonly AnyKind[] = kinds): AnyKind[] {
  const byKind = new Map(of.map((k) => [k.kind, k]))
  for (const k of of)
    for (const d of k.dependsOn ?? [])
      if (!byKind.has(d)) throw new Error(`kind ${k.kind} depends on '${d}', which is no kind`)
  const order: AnyKind[] = []
  const done = new Set<string>()
  while (order.length < of.length) {
    const next = of.find((k) => !done.has(k.kind) && (k.dependsOn ?? []).every((d) => done.has(d)))
    if (!next)
      throw new Error(
        `kinds depend on each other in a cycle: ${of
          .filter((k) => !done.has(k.kind))
          .map((k) => k.kind)
          .join(', ')}`,
      )
    order.push(next)
    done.add(next.kind)
  }
  return order
}

/** `2 streams`, `1 function`, ... per section with resources, in the list's order (the `dev` banner). */
export function sectionCounts(pipeline: Pipeline, of: readonly AnyKind[] = kinds): string[] {
  const counted = new Map<string, { n: number; noun: readonly [string, string] }>()
  for (const kind of of) {
    const entry = counted.get(kind.section) ?? { n: 0, noun: kind.noun }
    entry.n += resourcesOf(pipeline, kind, of).length
    counted.set(kind.section, entry)
  }
  return [...counted.values()]
    .filter((c) => c.n > 0)
    .map(({ n, noun }) => `${n} ${n === 1 ? noun[0] : noun[1]}`)
}

/** `streams, functions, mappings, ... and alarms`: what a pipeline may declare, in words. */
export function kindsInWords(of: readonly AnyKind[] = kinds): string {
  const many = [...new Set(of.map((k) => k.noun[1]))]
  return `${many.slice(0, -1).join(', ')} and ${many.at(-1)}`
}
