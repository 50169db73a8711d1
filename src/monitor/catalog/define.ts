/** The CloudWatch units Tributary publishes in (a datum's unit, a catalog entry's unit). */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'None' | 'Percent'

/**
 * How a metric's values combine. A `flow` counts what happened (summed over a period: records in,
 * invocations); a `level` samples a state (a gauge: the latest value is the current one, such as
 * iterator age or queue depth). `/metrics` exports levels as gauges and flows as counters.
 */
export type MetricKind = 'flow' | 'level'

/** A metric's catalog key from its CloudWatch name: `DeliveryToS3.Records` → `DeliveryToS3_Records`. */
export type CatalogKey<N extends string> = N extends `${infer A}.${infer B}` ? `${A}_${CatalogKey<B>}` : N

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

/**
 * Metrics of one namespace that share dimension keys, unit and kind: a row of AWS's tables (and of
 * docs/monitoring.md).
 */
export interface MetricGroup<D extends string = string, N extends string = string> {
  readonly dimensions: readonly D[]
  readonly unit: MetricUnit
  readonly kind: MetricKind
  readonly names: readonly N[]
}

/** A group writer for one kind: `(unit, dimension keys, names)`, names and keys kept literal. */
function groupWriter(kind: MetricKind) {
  return <const D extends string, const N extends string>(
    unit: MetricUnit,
    dimensions: readonly D[],
    names: readonly N[],
  ): MetricGroup<D, N> => ({ dimensions, unit, kind, names })
}

/** Metrics that count what happened (summed over a period). */
export const flows = groupWriter('flow')

/** Metrics that sample a state (gauges). */
export const levels = groupWriter('level')

type DimensionsOfName<G extends MetricGroup, N extends string> =
  G extends MetricGroup<infer D, infer Names> ? (N extends Names ? D : never) : never

/** The specs of one namespace, by catalog key. */
export type NamespaceMetrics<Ns extends string, G extends MetricGroup> = {
  readonly [N in G['names'][number] as CatalogKey<N>]: MetricSpec<Ns, N, DimensionsOfName<G, N>>
}

/**
 * The metrics of one CloudWatch namespace, keyed by name with `.` written `_` (so producers and
 * readers name them as properties, never as strings).
 *
 * @example
 * export const Kinesis = defineNamespace('AWS/Kinesis', 'https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html', [
 *   flows('Count', ['StreamName'], ['IncomingRecords', 'GetRecords.Records']),
 * ])
 * Kinesis.GetRecords_Records.name // 'GetRecords.Records'
 */
export function defineNamespace<Ns extends string, G extends MetricGroup>(
  namespace: Ns,
  doc: string,
  groups: readonly G[],
): NamespaceMetrics<Ns, G> {
  const specs: Record<string, MetricDefinition> = {}
  for (const { names, ...group } of groups) {
    for (const name of names) {
      const key = name.replaceAll('.', '_')
      if (key in specs) throw new Error(`${namespace} ${name} is in the catalog twice`)
      specs[key] = Object.freeze({ namespace, name, doc, ...group })
    }
  }
  // The mapped type is what the loops build: one spec per name, keyed by its CatalogKey.
  return Object.freeze(specs) as NamespaceMetrics<Ns, G>
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
