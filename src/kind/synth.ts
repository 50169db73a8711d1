import type { Stack } from 'aws-cdk-lib'
import type { IGrantable } from 'aws-cdk-lib/aws-iam'
import type { IConstruct } from 'constructs'

/**
 * A kind's AWS synthesis face: how its resources become an AWS CDK app's constructs
 * (`tributary synth`). Each kind's face is a module beside the kind (`synth.ts`), loaded only by
 * `tributary synth`/`deploy`, so `tributary dev` never loads aws-cdk-lib.
 *
 * @example
 * export const queueSynth: SynthFace<QueueDefinition> = {
 *   localOnly: [],
 *   synth(ctx, queues) {
 *     for (const { name, config } of queues) ctx.add('queue', name, new Queue(ctx.stack, ctx.id('queue', name), {...}))
 *   },
 * }
 */
export interface SynthFace<C> {
  /**
   * Settings with no AWS counterpart: each resource setting one (`isSet`) gets a one-line warning
   * at synth; every other setting of the schema is mapped (the parity test holds both lists).
   */
  readonly localOnly: readonly LocalOnly<C>[]
  /** Adds the kind's resources to `ctx.stack`. */
  synth(ctx: SynthContext, resources: ReadonlyArray<{ name: string; config: C; index?: number }>): void
}

/** A setting that only has an effect under `tributary dev`. */
export interface LocalOnly<C> {
  /** As docs/configuration.md spells it: `startingPosition`, `subscriptions[].outbox`. */
  readonly path: string
  /** Why, in a few words: `Firehose always starts at LATEST`. */
  readonly why: string
  /** Whether a resource sets it (to something other than its local-only default). */
  readonly isSet: (config: C) => boolean
}

/**
 * What a resource offers the functions that bind it (`reads`/`writes`) and the resources that
 * name it: its construct, the identifier its binding's environment variable carries, and the
 * least-privilege grant of each access.
 */
export interface SynthResource<T = IConstruct> {
  readonly construct: T
  /** Its AWS name, which metric dimensions carry (`FunctionName`, `QueueName`, ...). */
  readonly physicalName?: string
  /** The physical identifier the AWS bindings take (bucket name, queue URL, topic ARN, ...). */
  readonly bindingValue?: string
  /** Grants what the bindings' reads or writes call on AWS, and nothing more. */
  readonly grant?: (grantee: IGrantable, access: 'read' | 'write') => void
}

/** What a kind's {@link SynthFace.synth} reaches. */
export interface SynthContext {
  /** The pipeline's stack. */
  readonly stack: Stack
  /** The pipeline's name. */
  readonly pipeline: string
  /** The pipeline file's directory (handlers and code directories are relative to it). */
  readonly dir: string
  /** A scratch directory for build outputs (function bundles) the assembly copies as assets. */
  readonly buildDir: string
  /** The whole validated definition, for a kind that reads another's section. */
  readonly definition: Readonly<Record<string, unknown>>
  /** The construct id of a resource: unique in the stack, stable across synths. */
  id(kind: string, name: string, suffix?: string): string
  /** Offers a resource to the kinds synthesized after this one (and to deferred steps). */
  add<T>(kind: string, name: string, resource: SynthResource<T>): void
  /** A resource offered by its kind; throws when it was not (yet) synthesized. */
  get<T = IConstruct>(kind: string, name: string): SynthResource<T>
  /** Runs `step` once every kind has added its resources (wiring between kinds in a cycle). */
  defer(step: () => void): void
  /** Accepts a cdk-nag finding on `construct`, with the reason it is right here. */
  acknowledge(construct: IConstruct, id: string, reason: string): void
  /** A stack output printed after `tributary deploy`: `stream events: Arn`. */
  output(kind: string, name: string, what: string, value: string): void
  /** Tells the user something about the synthesized app (one line). */
  warn(message: string): void
}
