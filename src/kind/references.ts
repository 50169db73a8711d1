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
 * A search index (`{ index: 'trips' }`) has no binding method: the function's environment names
 * its endpoint (`TRIBUTARY_INDEX_TRIPS`) for an OpenSearch client.
 */
export const refSchema = z.union(
  [
    z.object({ bucket: resourceName }).strict(),
    z.object({ table: resourceName }).strict(),
    z.object({ queue: resourceName }).strict(),
    z.object({ topic: resourceName }).strict(),
    z.object({ stream: resourceName }).strict(),
    z.object({ index: resourceName }).strict(),
  ],
  { error: 'must name one resource: { bucket }, { table }, { queue }, { topic }, { stream } or { index }' },
)

/**
 * A CloudWatch namespace a function's `metrics(namespace).put` publishes to: 1-255 characters,
 * not `AWS/...` (AWS's own). PutMetricData has no resource ARN: on AWS the role may publish to the
 * declared namespaces only (the `cloudwatch:namespace` condition key).
 */
export const metricNamespace = z
  .string()
  .min(1)
  .max(255)
  .refine((ns) => !ns.startsWith('AWS/'), 'must not start with AWS/ (CloudWatch keeps those for AWS)')

/**
 * What a function's bindings write: a resource (as {@link refSchema}) or a metrics namespace,
 * `{ metrics: 'Telemetry' }` for `metrics('Telemetry').put(...)`.
 */
export const writeRefSchema = z.union(
  [...refSchema.options, z.object({ metrics: metricNamespace }).strict()],
  {
    error:
      'must name one resource: { bucket }, { table }, { queue }, { topic }, { stream } or { index }, or a namespace: { metrics }',
  },
)

export type Destination = z.output<typeof destinationSchema>
export type Ref = z.output<typeof refSchema>
export type WriteRef = z.output<typeof writeRefSchema>

/** The namespace a write declaration names, when it names one (`{ metrics: 'Telemetry' }`). */
export function metricsNamespaceOf(ref: WriteRef | Ref): string | undefined {
  return 'metrics' in ref ? ref.metrics : undefined
}

/** The kind and name a `{ queue: 'x' }`-style object names (a destination, a binding declaration). */
export function named(ref: Destination | Ref): { kind: string; name: string } {
  const [kind, name] = Object.entries(ref)[0]!
  return { kind, name }
}
