import { z } from 'zod'

/**
 * One injected fault on a stream: what it does, to which calls, how often, and the seed that
 * makes its choices reproducible.
 *
 * @example
 * { stream: 'events', effect: 'throttle', rate: 0.2, seed: 7 }
 */
export const faultSchema = z
  .object({
    /** The stream it hits. */
    stream: z.string().min(1),
    /**
     * `throttle`: ProvisionedThroughputExceededException (per entry in PutRecords, as AWS's
     * partial failures); `internal-failure`: InternalFailure (500, per entry in PutRecords);
     * `latency`: the call waits `latencyMs` before it runs.
     */
    effect: z.enum(['throttle', 'internal-failure', 'latency']),
    /** Which calls: `put` (PutRecord, PutRecords, the stream binding), `get` (GetRecords). */
    operations: z
      .array(z.enum(['put', 'get']))
      .min(1)
      .default(['put', 'get']),
    /** The share of calls (or PutRecords entries) it hits, 0-1. */
    rate: z.number().min(0).max(1).default(1),
    /** For `latency`: how long a hit call waits, in ms. */
    latencyMs: z.int().min(0).max(60_000).default(1000),
    /** Seeds the fault's choices: the same seed and the same calls hit the same calls. */
    seed: z.int().default(1),
  })
  .strict()

export type FaultSpec = z.input<typeof faultSchema>
export type FaultConfig = z.output<typeof faultSchema>

/** A fault while it is active: its settings, an id, and how many calls or entries it hit. */
export interface ActiveFault extends FaultConfig {
  id: string
  addedAt: number
  hits: number
}
