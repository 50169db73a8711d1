import type { z } from 'zod'
import type { BindingCall } from '../contracts/functions.ts'
import type { Clock } from '../util/clock.ts'
import type { Logger } from '../util/logger.ts'
import type { SynthFace } from './synth.ts'

/**
 * A resource kind of the pipeline definition as a component: everything Tributary knows about
 * streams, or queues, or alarms, in one module of the stage that implements it. The list of kinds
 * (`src/pipeline/kinds.ts`) is the only place that names them all; the pipeline schema, the
 * validation of references, the local runtime's build, the dashboard graph, the `dev` summary and
 * docs/configuration.md are derived from it.
 *
 * A later face of every kind (an AWS synthesis, a wire API) is one more optional member here and
 * one more function in each kind's module.
 *
 * @example
 * export const queueKind = defineKind({
 *   kind: 'queue', section: 'queues', noun: ['queue', 'queues'], layout: 'named',
 *   title: 'SQS queues', schema: queueSchema,
 *   references: (q) => q.deadLetterQueue ? [{ path: ['deadLetterQueue', 'queue'], kind: 'queue', name: q.deadLetterQueue.queue, label: 'dead letters' }] : [],
 *   build: (ctx, queues) => ({ ... }),
 * })
 */
export interface ResourceKind<
  Sch extends z.ZodType = z.ZodType,
  P extends object = Part,
  S extends string = string,
  L extends Layout = Layout,
> {
  /** Singular, as a graph node's kind and a reference's field: `queue`. Unique. */
  readonly kind: string
  /** The pipeline definition's section holding the resources: `queues`. */
  readonly section: S
  /** How the `dev` banner counts the section: `['queue', 'queues']`. */
  readonly noun: readonly [one: string, many: string]
  /** The heading of the kind in docs/configuration.md: `SQS queues`. */
  readonly title: string
  /**
   * `named`: the section is a record of resources by name (`queues: { orders: {...} }`);
   * `list`: an array of unnamed entries (`mappings: [...]`), which a section may share between
   * kinds, each entry going to the kind whose {@link claims} accepts it.
   */
  readonly layout: L
  /** One resource's settings: zod, with TSDoc on every field and an `@example` on the schema. */
  readonly schema: Sch
  /** The names a `named` section accepts (default: {@link resourceName}). */
  readonly key?: z.ZodType<string>
  /** `list` kinds: whether an entry of the section is one of this kind's (before it is parsed). */
  readonly claims?: (entry: Record<string, unknown>) => boolean
  /** `list` kinds: what a section entry no kind claims is told (the first kind's wins). */
  readonly unclaimed?: string
  /** The other resources a resource's settings name: each must be declared, and is drawn. */
  readonly references?: (config: z.output<Sch>) => Reference[]
  /**
   * Checks that need more than the settings (files next to the pipeline): a problem is thrown as
   * a {@link ConfigProblem} at a path below the resource.
   */
  readonly check?: (name: string, config: z.output<Sch>, env: CheckEnv) => void
  /** Kinds (by `kind`) whose parts this kind's build needs: they are built before it. */
  readonly dependsOn?: readonly string[]
  /** Builds the kind's part of the local runtime from every declared resource of the kind. */
  readonly build?: (ctx: BuildContext, resources: Resources<z.output<Sch>>) => (P & Part) | Promise<P & Part>
  /** How the dashboard graph shows the kind (default: a node per resource, edges from references). */
  readonly graph?: KindGraph<z.output<Sch>>
  /** The kind's lines in the `dev` summary. */
  readonly summary?: (part: P, view: SummaryView) => SummaryBlock[]
  /**
   * The kind's AWS face for `tributary synth`/`deploy`: loads the module beside the kind that maps
   * its resources to AWS CDK constructs (loaded only then: `dev` never loads aws-cdk-lib).
   * Synthesized in `dependsOn` order; a problem that AWS would reject is thrown as a
   * {@link ConfigProblem} whose path starts with the resource's name (a list kind's: its index).
   */
  readonly synth?: () => Promise<SynthFace<z.output<Sch>>>
}

export type Layout = 'named' | 'list'

/** A kind of any settings: what the list of kinds holds. */
// biome-ignore lint/suspicious/noExplicitAny: the list holds kinds of every settings type; each is checked where it is defined.
export type AnyKind = ResourceKind<z.ZodType, any>

/** A kind's settings, as its schema outputs them (defaults filled in). */
export type ConfigOf<K> = K extends ResourceKind<infer Sch, infer _P> ? z.output<Sch> : never
/** A kind's settings as a pipeline file may write them (defaults optional). */
export type DefinitionOf<K> = K extends ResourceKind<infer Sch, infer _P> ? z.input<Sch> : never
/** What a kind's build returns (its part of the runtime). */
export type PartOf<K> = K extends ResourceKind<infer _Sch, infer P> ? P : never

/**
 * Types a kind's definition: its settings from its schema, its part from its build, its section
 * and layout as literals (so the pipeline's type is derived from the list of kinds).
 */
export function defineKind<Sch extends z.ZodType, P extends object, S extends string, L extends Layout>(
  kind: ResourceKind<Sch, P, S, L>,
): ResourceKind<Sch, P, S, L> {
  return kind
}

/** The settings of one kind's resources: by name (`named`) or in declaration order (`list`). */
export type Resources<C> = ReadonlyArray<{ name: string; config: C; index?: number }>

/** A name in one resource's settings that refers to another resource. */
export interface Reference {
  /** Where the name is, below the resource: `['deadLetterQueue', 'queue']`. */
  path: readonly (string | number)[]
  /** The kind named (its `kind`): `queue`. */
  kind: string
  name: string
  /** The edge's label in the dashboard graph: `dead letters`, `on failure`. */
  label: string
  /** Data flows from the named resource into this one (a delivery stream's source stream). */
  inbound?: boolean
  /** A resource the handler's bindings read or write: drawn as a binding edge, not a config edge. */
  access?: 'read' | 'write'
  /** The resource may not name itself here: the message when it does. */
  notSelf?: string
}

/** A problem {@link ResourceKind.check} finds: a message, the path below the resource, a hint. */
export class ConfigProblem extends Error {
  override readonly name = 'ConfigProblem'
  constructor(
    message: string,
    readonly path: readonly (string | number)[] = [],
    readonly hint?: string,
  ) {
    super(message)
  }
}

export interface CheckEnv {
  /** The pipeline file's directory: handler paths are relative to it. */
  dir: string
}

/** A part of the local runtime: started once every kind is built, stopped in reverse order. */
export interface Part {
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}

/**
 * A typed key under which a kind's build offers something to the kinds built after it (the
 * queue service, the function invoker) and the runtime offers what it owns (the engine, the
 * metric sink). Tokens are defined where their type lives, so kinds depend on stages below
 * theirs, never on each other's modules.
 */
export interface Token<T> {
  readonly id: string
  /** Carries the type only. */
  readonly __type?: T
}

export function token<T>(id: string): Token<T> {
  return { id }
}

/** What a kind's build reaches: the host's basics, and the tokens offered so far. */
export interface BuildContext {
  readonly clock: Clock
  readonly logger: Logger
  readonly region: string
  readonly account: string
  /** The pipeline's data directory. */
  readonly dataDir: string
  /** The pipeline file's directory (handler paths are relative to it). */
  readonly dir: string
  /** The whole validated definition, for settings a kind reads from another's section. */
  readonly pipeline: Readonly<Record<string, unknown>> & { readonly name: string }
  /** What a kind or the runtime offered under `token`; throws when nothing was offered yet. */
  need<T>(token: Token<T>): T
  /** A getter for what will be offered under `token` by a kind built later (a late lookup). */
  later<T>(token: Token<T>): () => T
  /** Offers `value` under `token` to the kinds built after this one. */
  offer<T>(token: Token<T>, value: T): void
  /** Serves a binding service (`queue`, `table`, ...) to handlers: the function kind routes calls. */
  serveBinding(service: string, handler: BindingHandler): void
  /** Every binding service served so far, and those served later (a live view). */
  readonly bindings: ReadonlyMap<string, BindingHandler>
}

/** Serves one binding service's calls. */
export type BindingHandler = (call: BindingCall) => Promise<unknown>

/** How a kind appears in the dashboard graph. */
export interface KindGraph<C> {
  /** `false`: the kind's resources are edges only (event source mappings). */
  node?: false
  /** `false`: references are validated but not drawn ({@link edges} draws them its own way). */
  references?: false
  /** Edges beyond the references' (`list` kinds draw theirs here). */
  edges?: (config: C, name: string) => GraphEdgeSpec[]
}

/** An edge a kind draws: between resources named by `kind:name` ids. */
export interface GraphEdgeSpec {
  from: string
  to: string
  label: string
  /** `metric`: an alarm watching a resource; `config` (the default): a reference. */
  type?: 'config' | 'metric'
  title?: string
}

/** What a kind's summary reads: metric totals and rates since the last summary. */
export interface SummaryView {
  /** Records `total` under `key` and returns its rate per second since the last summary, formatted. */
  rate(key: string, total: number): string
  /** A whole number, grouped: `12,345`. */
  count(value: number): string
  /** An age: `850 ms`, `4.2 s`, `3 min`. */
  age(ms: number): string
}

/**
 * A kind's part of the summary: a table (kinds with the same `table` name share one, the first
 * kind's header wins) or a line of items (`  queues  orders: 3 visible · ...`).
 */
export type SummaryBlock =
  | { table: string; header: readonly string[]; rows: string[][] }
  | { line: string; items: string[] }
