import { z } from 'zod'
import { configIssue } from '../kind/config-issue.ts'
import { parsePattern } from './filter.ts'

/** Lambda event filter patterns (EventBridge syntax), checked when the pipeline loads. */
export const filterCriteriaSchema = z
  .object({
    /** Lambda event filter patterns (EventBridge syntax), as JSON strings; up to 5. */
    filters: z
      .array(
        z
          .object({
            /** One pattern, e.g. `JSON.stringify({ data: { type: ['click'] } })`. */
            pattern: z.string().superRefine((pattern, ctx) => {
              try {
                parsePattern(pattern)
              } catch (error) {
                configIssue(ctx, (error as Error).message)
              }
            }),
          })
          .strict(),
      )
      .max(5),
  })
  .strict()

/** `ReportBatchItemFailures`: the handler reports which records failed (partial batch responses). */
export const functionResponseTypesSchema = z.array(z.literal('ReportBatchItemFailures')).max(1).default([])

/** The `dev` summary's table both kinds of mapping add their rows to. */
export const MAPPINGS_TABLE = {
  table: 'mappings',
  header: ['mapping', 'records in', '/s', 'invocations', 'errors', 'iterator age'],
} as const

/** A mapping kind's part: its mappings, started together and stopped together. */
export function mappingsPart<M extends { start(): void; stop(): Promise<void> }, X extends object>(
  mappings: M[],
  extra: X,
): X & { mappings: M[]; start(): void; stop(): Promise<void> } {
  return {
    ...extra,
    mappings,
    start: () => {
      for (const m of mappings) m.start()
    },
    stop: async () => {
      await Promise.all(mappings.map((m) => m.stop()))
    },
  }
}
