import type { MetricUnit } from '../metrics.ts'

/**
 * How a metric's values combine. A `flow` counts what happened (summed over a period: records in,
 * invocations); a `level` samples a state (a gauge: the latest value is the current one, such as
 * iterator age or queue depth). `/metrics` exports levels as gauges and flows as counters.
 */
export type MetricKind = 'flow' | 'level'

/** A metric's CloudWatch name from its catalog key: `DeliveryToS3_Records` → `DeliveryToS3.Records`. */
export type AwsMetricName<K extends string> = K extends `${infer A}_${infer B}`
  ? `${A}.${AwsMetricName<B>}`
  : K

/** What every catalog entry says, whatever its dimensions: for lists, docs and `/metrics`. */
export interface MetricDefinition {
  readonly namespace: string
  readonly name: string
  /** The unit Tributary publishes (where it differs from CloudWatch's, the entry says why). */
  readonly unit: MetricUnit
  /** The dimension keys every datapoint carries, exactly these (CloudWatch has no partial match). */
  readonly dimensions: readonly string[]
  readonly kind: MetricKind
  /** AWS's page listing the service's metrics. */
  readonly doc: string
}

/** One metric of the catalog, typed by namespace, name and dimension keys. */
export interface MetricSpec<
  Ns extends string = string,
  Name extends string = string,
  D extends string = string,
> extends MetricDefinition {
  readonly namespace: Ns
  readonly name: Name
  readonly dimensions: readonly D[]
  /**
   * Type only, never set: with `dimensions` it makes `D` invariant, so a spec fits only a scope
   * with exactly its dimension keys (not one with a key more or a key less).
   */
  readonly dimensionKeys?: (key: D) => void
}

/** A datapoint's dimensions for dimension keys `D`. */
export type Dimensions<D extends string> = { readonly [K in D]: string }

/** What a catalog entry is written as: its unit, kind and dimension keys (the name is its key). */
export interface MetricEntry<D extends string> {
  readonly unit: MetricUnit
  readonly kind: MetricKind
  readonly dimensions: readonly D[]
}

/** A metric that counts what happened (summed over a period). */
export function flow<D extends string>(unit: MetricUnit, dimensions: readonly D[]): MetricEntry<D> {
  return { unit, kind: 'flow', dimensions }
}

/** A metric that samples a state (a gauge). */
export function level<D extends string>(unit: MetricUnit, dimensions: readonly D[]): MetricEntry<D> {
  return { unit, kind: 'level', dimensions }
}

type EntryDimensions<E> = E extends MetricEntry<infer D> ? D : never

/** The specs of one namespace, by key. */
export type NamespaceMetrics<Ns extends string, E extends Record<string, MetricEntry<string>>> = {
  readonly [K in keyof E & string]: MetricSpec<Ns, AwsMetricName<K>, EntryDimensions<E[K]>>
}

/**
 * The metrics of one CloudWatch namespace, keyed by name with `.` written `_` (so readers name
 * them as properties, never as strings).
 *
 * @example
 * export const Kinesis = defineNamespace('AWS/Kinesis', 'https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html', {
 *   IncomingRecords: flow('Count', ['StreamName'] as const),
 * })
 * Kinesis.IncomingRecords.name // 'IncomingRecords'
 */
export function defineNamespace<Ns extends string, E extends Record<string, MetricEntry<string>>>(
  namespace: Ns,
  doc: string,
  entries: E,
): NamespaceMetrics<Ns, E> {
  const specs: Record<string, MetricDefinition> = {}
  for (const [key, entry] of Object.entries(entries)) {
    specs[key] = Object.freeze({ namespace, name: key.replaceAll('_', '.'), doc, ...entry })
  }
  // The mapped type is what the loop builds: one spec per key, the name derived as AwsMetricName.
  return Object.freeze(specs) as NamespaceMetrics<Ns, E>
}

/** One series of a catalog metric, as the metric store's queries name it. */
export interface MetricSeriesRef {
  namespace: string
  name: string
  dimensions: Readonly<Record<string, string>>
}

/**
 * Names one series of a catalog metric for a query, with the dimensions the metric has.
 *
 * @example
 * store.query({ ...metricSeries(Kinesis.IncomingRecords, { StreamName: 'events' }), stat: 'Sum', period: 60, start, end })
 */
export function metricSeries<D extends string>(
  spec: MetricSpec<string, string, D>,
  dimensions: Dimensions<D>,
): MetricSeriesRef {
  return { namespace: spec.namespace, name: spec.name, dimensions }
}
