import type { BindingCall } from '../contracts/functions.ts'
import type { FunctionConfig } from './config.ts'

export type BindingAccess = 'read' | 'write'

/** What {@link BindingUsage.record} reads of the pipeline: its sections, the functions' declarations. */
export type DeclaredResources = Readonly<Record<string, unknown>> & {
  readonly functions: Readonly<Record<string, Pick<FunctionConfig, 'reads' | 'writes'>>>
}

/**
 * Which binding methods read and which write, per service (the name a `reads`/`writes` declaration
 * gives the kind). `metrics` names a namespace, not a resource of the pipeline: its use is
 * checked against `writes: [{ metrics }]` but not recorded (the dashboard has no node for it).
 */
export const BINDING_ACCESS: Readonly<Record<string, Readonly<Record<string, BindingAccess>>>> = {
  stream: { put: 'write', putMany: 'write' },
  table: { get: 'read', query: 'read', put: 'write', update: 'write', delete: 'write' },
  bucket: { get: 'read', head: 'read', list: 'read', put: 'write', delete: 'write' },
  queue: { send: 'write' },
  topic: { publish: 'write' },
  metrics: { put: 'write' },
}

/** One (function, resource, access) a handler has used through its bindings. */
export interface BindingUse {
  function: string
  /** The resource's kind, as a declaration names it: `bucket`, `table`, `queue`, `topic`, `stream`. */
  kind: string
  resource: string
  access: BindingAccess
  /** When the function first used it (ms since epoch, the pipeline's clock). */
  firstAt: number
  /** Calls so far; records for `stream().putMany`. */
  count: number
  /** Calls (records) in the last {@link RECENT_SECONDS} seconds: the dashboard's edge rates. */
  recent: number
}

/** The window `recent` counts over, as the dashboard's metric-based rates do. */
export const RECENT_SECONDS = 60

/** A use, with its calls per second over the last minute in a ring indexed by second. */
interface Entry {
  use: Omit<BindingUse, 'recent'>
  seconds: Float64Array
  counts: Float64Array
}

export interface BindingUsageOptions {
  now: () => number
  /** Told once per function and resource used without a `reads`/`writes` declaration. */
  onUndeclared?: (message: string, use: BindingUse) => void
}

/** Distinct uses kept at most: handlers choose resource names at run time, memory must not. */
export const MAX_BINDING_USES = 10_000

/**
 * What each function's bindings have actually read and written since the process started: the
 * observed half of the dashboard's data path. A use of a resource the function did not declare is
 * reported once, because on AWS (where permissions derive from the declarations) it would fail.
 *
 * @example
 * const usage = new BindingUsage({ now: Date.now, onUndeclared: (m) => logger.warn(m) })
 * usage.record({ caller: 'processor', service: 'bucket', resource: 'raw', method: 'put', args: [] }, pipeline)
 * usage.list() // [{ function: 'processor', kind: 'bucket', resource: 'raw', access: 'write', ... }]
 */
export class BindingUsage {
  readonly #uses = new Map<string, Entry>()
  readonly #warned = new Set<string>()
  readonly #options: BindingUsageOptions

  constructor(options: BindingUsageOptions) {
    this.#options = options
  }

  /**
   * Counts one binding call of a function. With `pipeline`, only its resources are kept (a call to
   * anything else fails anyway) and undeclared uses are reported.
   */
  record(call: BindingCall, pipeline?: DeclaredResources): void {
    const fn = call.caller
    const access = fn === undefined ? undefined : BINDING_ACCESS[call.service]?.[call.method]
    if (fn === undefined || access === undefined || typeof call.resource !== 'string') return
    if (call.service === 'metrics') {
      const use = { function: fn, kind: 'metrics', resource: call.resource, access, firstAt: 0, count: 0 }
      if (pipeline) this.#check({ ...use, recent: 0 }, pipeline)
      return
    }
    const key = `${fn}\0${call.service}\0${call.resource}\0${access}`
    const now = this.#options.now()
    let entry = this.#uses.get(key)
    if (!entry) {
      if (this.#uses.size >= MAX_BINDING_USES) return
      if (pipeline && !Object.hasOwn(resources(pipeline, call.service), call.resource)) return
      const use = {
        function: fn,
        kind: call.service,
        resource: call.resource,
        access,
        firstAt: now,
        count: 0,
      }
      entry = { use, seconds: new Float64Array(RECENT_SECONDS), counts: new Float64Array(RECENT_SECONDS) }
      this.#uses.set(key, entry)
      if (pipeline) this.#check({ ...use, recent: 0 }, pipeline)
    }
    const n =
      call.service === 'stream' && call.method === 'putMany' && Array.isArray(call.args[0])
        ? call.args[0].length
        : 1
    entry.use.count += n
    const second = Math.floor(now / 1000)
    const slot = second % RECENT_SECONDS
    if (entry.seconds[slot] !== second) {
      entry.seconds[slot] = second
      entry.counts[slot] = 0
    }
    entry.counts[slot]! += n
  }

  /** Every use so far, in the order they first happened. */
  list(): BindingUse[] {
    const since = Math.floor(this.#options.now() / 1000) - RECENT_SECONDS
    return [...this.#uses.values()].map(({ use, seconds, counts }) => {
      let recent = 0
      for (let i = 0; i < RECENT_SECONDS; i++) if (seconds[i]! > since) recent += counts[i]!
      return { ...use, recent }
    })
  }

  #check(use: BindingUse, pipeline: DeclaredResources): void {
    const config = pipeline.functions[use.function]
    if (!config || isDeclared(config[use.access === 'read' ? 'reads' : 'writes'], use.kind, use.resource))
      return
    const warned = `${use.function}\0${use.kind}\0${use.resource}`
    if (this.#warned.has(warned)) return
    this.#warned.add(warned)
    const field = use.access === 'read' ? 'reads' : 'writes'
    const ref = `{ ${use.kind}: '${use.resource}' }`
    this.#options.onUndeclared?.(
      `function ${use.function} ${field} ${use.kind} '${use.resource}' but does not declare it ` +
        `(add ${field}: [${ref}]; on AWS it would lack the permission)`,
      { ...use },
    )
  }
}

function resources(pipeline: DeclaredResources, kind: string): object {
  const section = pipeline[`${kind}s`]
  return section !== null && typeof section === 'object' ? section : {}
}

/** Whether `refs` (a `reads` or `writes` list) names `kind` `resource`. */
export function isDeclared(
  refs: ReadonlyArray<Readonly<Record<string, string>>> | undefined,
  kind: string,
  resource: string,
): boolean {
  return refs?.some((ref) => ref[kind] === resource) ?? false
}
