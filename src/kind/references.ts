import { z } from 'zod'
import { resourceName } from './name.ts'

/** Where records or messages that could not be processed are sent: a queue or a topic. */
export const destinationSchema = z.union([
  z.object({ queue: resourceName }).strict(),
  z.object({ topic: resourceName }).strict(),
])

/**
 * A resource a function's bindings use, named by kind: `{ bucket: 'raw' }`, `{ table: 'metadata' }`.
 * Functions declare them in `reads` and `writes` (least-privilege permissions derive from them).
 */
export const refSchema = z.union(
  [
    z.object({ bucket: resourceName }).strict(),
    z.object({ table: resourceName }).strict(),
    z.object({ queue: resourceName }).strict(),
    z.object({ topic: resourceName }).strict(),
    z.object({ stream: resourceName }).strict(),
  ],
  { error: 'must name one resource: { bucket }, { table }, { queue }, { topic } or { stream }' },
)

export type Destination = z.output<typeof destinationSchema>
export type Ref = z.output<typeof refSchema>

/** The kind and name a `{ queue: 'x' }`-style object names (a destination, a binding declaration). */
export function named(ref: Destination | Ref): { kind: string; name: string } {
  const [kind, name] = Object.entries(ref)[0]!
  return { kind, name }
}
