import { type Clock, systemClock } from '../../util/clock.ts'
import type { MetricSink } from '../metrics.ts'
import type { Dimensions, MetricSpec } from './define.ts'

/**
 * Where one resource (a stream, a function, a queue, ...) publishes its metrics: the dimensions
 * are resolved once, so a datapoint costs only the datum the sink takes. Every producer
 * publishes through a scope; the spec decides the name and unit, and the scope's dimension keys
 * must be exactly the spec's (a type error otherwise).
 *
 * @example
 * const fn = new MetricScope(sink, { FunctionName: 'enrich' }, clock)
 * fn.record(Lambda.Invocations, 1)
 * fn.record(Lambda.Duration, 12.5)
 */
export class MetricScope<D extends string> {
  readonly #sink: MetricSink | undefined
  readonly #dimensions: Dimensions<D>
  readonly #clock: Clock

  /** Without a sink, recording does nothing (a service built without metrics). */
  constructor(sink: MetricSink | undefined, dimensions: Dimensions<D>, clock: Clock = systemClock) {
    this.#sink = sink
    // One frozen object shared by every datapoint of the scope: sinks copy what they keep.
    this.#dimensions = Object.freeze({ ...dimensions })
    this.#clock = clock
  }

  get dimensions(): Dimensions<D> {
    return this.#dimensions
  }

  /** One datapoint of `spec`, at `timestamp` (ms since epoch; default: the scope's clock now). */
  record(spec: MetricSpec<string, string, D>, value: number, timestamp?: number): void {
    const sink = this.#sink
    if (sink === undefined) return
    sink.record({
      namespace: spec.namespace,
      name: spec.name,
      dimensions: this.#dimensions,
      value,
      unit: spec.unit,
      timestamp: timestamp ?? this.#clock.now(),
    })
  }
}

/**
 * Scopes keyed by the value of one dimension (one per stream, function, queue, ...), each built
 * the first time it is asked for. Values come from named resources, so the map stays bounded.
 *
 * @example
 * const streams = new MetricScopes(sink, 'StreamName')
 * streams.of('events').record(Kinesis.IncomingRecords, 500, now)
 */
export class MetricScopes<D extends string> {
  readonly #sink: MetricSink | undefined
  readonly #key: D
  readonly #clock: Clock
  readonly #scopes = new Map<string, MetricScope<D>>()

  constructor(sink: MetricSink | undefined, key: D, clock: Clock = systemClock) {
    this.#sink = sink
    this.#key = key
    this.#clock = clock
  }

  of(value: string): MetricScope<D> {
    let scope = this.#scopes.get(value)
    if (scope === undefined) {
      // A computed key types as a string index; it is exactly `{ [key]: value }`.
      scope = new MetricScope(this.#sink, { [this.#key]: value } as Dimensions<D>, this.#clock)
      this.#scopes.set(value, scope)
    }
    return scope
  }
}
