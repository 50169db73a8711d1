import { z } from 'zod'
import { defineKind } from '../../../src/kind/kind.ts'
import { resourceName } from '../../../src/kind/name.ts'
import { AsyncInvokeToken } from '../../../src/kind/tokens.ts'

/**
 * A toy kind, the whole of it in this folder: a counter that invokes a function asynchronously
 * every `every` seconds of the pipeline's clock with `{ counter, n }`. Nothing outside this folder
 * names it; the test hands `[...KINDS, counterKind]` to the pipeline.
 *
 * @example
 * counters: { tick: { every: 60, function: 'count' } }
 */
export const counterSchema = z
  .object({
    /** Seconds between invocations, 1-3,600. */
    every: z.int().min(1).max(3600),
    /** The function invoked. */
    function: resourceName,
  })
  .strict()

export const counterKind = defineKind({
  kind: 'counter',
  section: 'counters',
  noun: ['counter', 'counters'],
  title: 'Counters (a toy kind)',
  layout: 'named',
  schema: counterSchema,
  references: (c) => [{ path: ['function'], kind: 'function', name: c.function, label: 'counts' }],
  dependsOn: ['function'],
  build(ctx, counters) {
    const asyncInvoke = ctx.need(AsyncInvokeToken)
    const sent = new Map(counters.map((c) => [c.name, 0]))
    const timers: Array<{ cancel(): void }> = []
    return {
      sent,
      start() {
        for (const { name, config } of counters) {
          const tick = () => {
            const n = (sent.get(name) ?? 0) + 1
            sent.set(name, n)
            asyncInvoke.enqueue(config.function, { counter: name, n })
            schedule()
          }
          const schedule = () => {
            const handle = ctx.clock.setTimeout(tick, config.every * 1000)
            timers.push({ cancel: () => ctx.clock.clearTimeout(handle) })
          }
          schedule()
        }
      },
      stop() {
        for (const t of timers) t.cancel()
      },
    }
  },
  summary: ({ sent }) => [{ line: 'counters', items: [...sent].map(([name, n]) => `${name}: ${n} sent`) }],
})
