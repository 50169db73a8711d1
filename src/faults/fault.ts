import { z } from 'zod'

/** `30s`, `5m`, `1h`, `500ms`: how long a fault stays active (`--for`). */
const DURATION = /^(\d+)(ms|s|m|h)$/
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/** Milliseconds of a duration written as {@link DURATION}, or undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text)
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined
}

/** An ISO 8601 date and time with its offset (`until`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

const EFFECTS = {
  stream: ['throttle', 'internal-failure', 'latency'],
  function: ['error', 'timeout'],
  bucket: ['slow-down', 'internal-error'],
  delivery: ['slow-down', 'internal-error'],
} as const

/** What a fault targets: a stream, a function, a bucket or a delivery stream. */
export type FaultTarget = keyof typeof EFFECTS
export const FAULT_TARGETS = Object.keys(EFFECTS) as FaultTarget[]
/** Every effect of every target (which effect fits which target is checked on the whole fault). */
export const FAULT_EFFECTS = [...new Set(Object.values(EFFECTS).flat())]

/**
 * One injected fault: the resource it hits (one of `stream`, `function`, `bucket`, `delivery`),
 * what it does, how often, the seed that makes its choices reproducible, and optionally when it
 * ends.
 *
 * @example
 * { stream: 'events', effect: 'throttle', rate: 0.2, seed: 7, for: '30s' }
 */
export const faultSchema = z
  .object({
    /** The stream it hits (effects `throttle`, `internal-failure`, `latency`). */
    stream: z.string().min(1).optional(),
    /** The function whose invocations it fails (effects `error`, `timeout`). */
    function: z.string().min(1).optional(),
    /** The bucket whose object writes it fails (effects `slow-down`, `internal-error`). */
    bucket: z.string().min(1).optional(),
    /** The delivery stream whose deliveries to the lake it fails (effects `slow-down`, `internal-error`). */
    delivery: z.string().min(1).optional(),
    /**
     * Streams: `throttle` (ProvisionedThroughputExceededException, per entry in PutRecords as AWS's
     * partial failures), `internal-failure` (InternalFailure, 500, per entry in PutRecords),
     * `latency` (the call waits `latencyMs` first). Functions: `error` (a function error, errorType
     * `InjectedFault`, the handler not run), `timeout` (a timeout after the function's timeout on
     * the engine's clock). Buckets: `slow-down` (S3's 503 SlowDown), `internal-error` (S3's 500
     * InternalError). Delivery streams: `slow-down`, `internal-error` (`S3.SlowDown`,
     * `S3.InternalError`; the delivery is retried).
     */
    effect: z.enum(FAULT_EFFECTS as [string, ...string[]]),
    /** Streams only: which calls, `put` (PutRecord, PutRecords, the stream binding), `get` (GetRecords). */
    operations: z
      .array(z.enum(['put', 'get']))
      .min(1)
      .default(['put', 'get']),
    /** Streams' `latency` only: how long a hit call waits, in ms. */
    latencyMs: z.int().min(0).max(60_000).default(1000),
    /** The share of calls (PutRecords entries, invocations, object writes, delivery attempts) it hits, 0-1. */
    rate: z.number().min(0).max(1).default(1),
    /** Seeds the fault's choices: the same seed and the same calls hit the same calls. */
    seed: z.int().default(1),
    /**
     * How long it stays active from when it is added, on the engine's clock: `30s`, `5m`, `1h`,
     * `500ms`. Default: until cleared.
     */
    for: z
      .string()
      .refine((s) => durationMs(s) !== undefined, {
        error: 'must be a duration such as 30s, 5m, 1h or 500ms',
      })
      .optional(),
    /** When it ends, an ISO 8601 time on the engine's clock (`2026-05-01T12:00:00Z`). Default: until cleared. */
    until: z
      .string()
      .refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), {
        error: 'must be an ISO 8601 time such as 2026-05-01T12:00:00Z',
      })
      .optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const targets = FAULT_TARGETS.filter((t) => f[t] !== undefined)
    if (targets.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: targets.length === 0 ? [] : [targets[1]!],
        message:
          targets.length === 0
            ? 'a fault names its target: stream, function, bucket or delivery'
            : `a fault has one target, not ${targets.join(' and ')}`,
      })
      return
    }
    const target = targets[0]!
    const fits: readonly string[] = EFFECTS[target]
    if (!fits.includes(f.effect))
      ctx.addIssue({
        code: 'custom',
        path: ['effect'],
        message: `a ${target} fault's effect is ${fits.map((e) => `'${e}'`).join(' or ')}, not '${f.effect}'`,
      })
    if (f.for !== undefined && f.until !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['until'],
        message: 'a fault ends after `for` or at `until`, not both',
      })
  })

export type FaultSpec = z.input<typeof faultSchema>
export type FaultConfig = z.output<typeof faultSchema>

/** The fault's target kind and name. */
export function faultTarget(f: FaultConfig): { target: FaultTarget; name: string } {
  const target = FAULT_TARGETS.find((t) => f[t] !== undefined)!
  return { target, name: f[target]! }
}

/** A fault while it is active: its settings, an id, how many calls or entries it hit, when it ends. */
export interface ActiveFault extends FaultConfig {
  id: string
  addedAt: number
  hits: number
  /** When it expires on the engine's clock (from `for` or `until`); absent: until cleared. */
  expiresAt?: number
}
