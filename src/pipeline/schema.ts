import { z } from 'zod'
import { parseCorsOrigin } from '../api/cors.ts'
import { faultSchema } from '../faults/fault.ts'
import type { AnyKind, ConfigOf, DefinitionOf } from '../kind/kind.ts'
import { resourceName } from '../kind/name.ts'
import { smtpSchema } from '../monitor/notify/config.ts'
import { KINDS, type Kind } from './kinds.ts'

/**
 * The pipeline definition: resources by name, one section per kind (`src/pipeline/kinds.ts`), each
 * kind's settings the schema its module owns. Field names follow the AWS settings they stand for
 * (in camelCase, as the CDK spells them), with AWS's defaults and ranges, so a definition reads
 * like the AWS resources it deploys to. Beside the kinds: the pipeline's name, e-mail defaults and
 * the served port's settings.
 */

/** Settings of the served port under `tributary dev` (the CLI flags of the same names add to them). */
export const serverSchema = z
  .object({
    /**
     * Browser origins allowed to call the AWS endpoints besides loopback ones, as `--cors-origin`;
     * `'*'` allows any, as AWS does (docs/kinesis-api.md). Read when `dev` starts.
     */
    corsOrigins: z
      .array(
        z.string().check((ctx) => {
          try {
            parseCorsOrigin(ctx.value)
          } catch (error) {
            ctx.issues.push({ code: 'custom', message: (error as Error).message, input: ctx.value })
          }
        }),
      )
      .optional(),
  })
  .strict()

type Named = Extract<Kind, { layout: 'named' }>
type Listed = Extract<Kind, { layout: 'list' }>
type ListedIn<S> = Extract<Listed, { section: S }>

/** Each `named` kind's section: a record of its schema by name. */
type NamedSections = {
  [K in Named as K['section']]: z.ZodDefault<z.ZodRecord<z.ZodString, K['schema']>>
}
/** Each `list` section: entries of the kinds that share it. */
type ListSections = {
  [S in Listed['section']]: z.ZodDefault<
    z.ZodArray<z.ZodType<ConfigOf<ListedIn<S>>, DefinitionOf<ListedIn<S>>>>
  >
}

/**
 * A `list` section's entry: parsed by the first kind that claims it, its problems reported at the
 * entry's path; one no kind claims gets the first kind's `unclaimed` message.
 */
function listEntry(kinds: readonly AnyKind[]): z.ZodType {
  return z.record(z.string(), z.unknown()).transform((entry, ctx) => {
    const kind = kinds.find((k) => k.claims?.(entry) ?? true)
    if (!kind) {
      ctx.issues.push({
        code: 'custom',
        message: kinds[0]?.unclaimed ?? 'is not an entry of this section',
        input: entry,
        params: { plain: true },
      })
      return z.NEVER
    }
    const parsed = kind.schema.safeParse(entry)
    if (parsed.success) return parsed.data
    // The kind's issues, re-raised at this entry's path (zod prefixes it).
    for (const issue of parsed.error.issues)
      ctx.issues.push({ ...issue, input: entry } as z.core.$ZodRawIssue)
    return z.NEVER
  })
}

function sections(kinds: readonly AnyKind[]): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {}
  for (const kind of kinds) {
    if (kind.layout === 'named')
      out[kind.section] = z.record(kind.key ?? resourceName, kind.schema).default({})
    else out[kind.section] ??= z.array(listEntry(kinds.filter((k) => k.section === kind.section))).default([])
  }
  return out
}

/** The pipeline's settings besides its resources. */
const settings = {
  /** The pipeline's name: its state directory (`.tributary/<name>/`), the dashboard's title. */
  name: resourceName.default('pipeline'),
  /** Defaults for e-mail subscriptions (SMTP server); environment variables fill the rest. */
  notifications: z
    .object({
      /** The SMTP server e-mail subscriptions use (each may override it); `TRIBUTARY_SMTP_*` fill the rest. */
      smtp: smtpSchema.optional(),
    })
    .strict()
    .default({}),
  /** Settings of the served port under `tributary dev`. */
  server: serverSchema.optional(),
  /**
   * Faults injected into the pipeline's streams, functions, buckets and delivery streams while it
   * runs (docs/faults.md), reproducible from their seeds; `tributary fault` adds and clears more at
   * run time.
   */
  faults: z.array(faultSchema).default([]),
}

/**
 * The schema of a definition with these kinds (the list's by default; a test adds a kind of its
 * own to see it validated, built, drawn and summarized).
 */
export function definitionSchema(kinds: readonly AnyKind[]): z.ZodType<Record<string, unknown>> {
  return z.object({ ...settings, ...sections(kinds) }).strict()
}

export const pipelineSchema = z
  .object({
    ...settings,
    // The loop builds what the mapped types say, one section per kind; TypeScript can't follow it.
    ...(sections(KINDS) as NamedSections & ListSections),
  })
  .strict()

/** What a pipeline file declares (defaults optional). */
export type PipelineDefinition = z.input<typeof pipelineSchema>
/** A validated definition with every default filled in. */
export type Pipeline = z.output<typeof pipelineSchema>
