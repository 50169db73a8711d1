import type { BindingCall } from '../contracts/functions.ts'
import type { Clock } from '../util/clock.ts'
import type { MetricSink, MetricUnit } from './metrics.ts'

const UNITS = new Set<MetricUnit>(['Count', 'Milliseconds', 'Bytes', 'Percent', 'None'])
/** CloudWatch refuses namespaces starting with `AWS/`: they are AWS's own. */
const AWS_NAMESPACE = /^AWS\//

class MetricBindingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidParameterValue'
  }
}

/** Serves `metrics(namespace).put(...)` from handlers (CloudWatch's PutMetricData rules). */
export function createMetricBindings(
  sink: MetricSink,
  clock: Clock,
): (call: BindingCall) => Promise<unknown> {
  return async ({ resource, method, args }) => {
    if (method !== 'put') throw new MetricBindingError(`metrics have no method '${method}'`)
    const [name, value, options] = args as [
      unknown,
      unknown,
      { unit?: unknown; dimensions?: unknown; timestamp?: unknown },
    ]
    if (!resource || resource.length > 255 || AWS_NAMESPACE.test(resource))
      throw new MetricBindingError(
        `The namespace '${resource}' is not valid: 1-255 characters, not starting with AWS/.`,
      )
    if (typeof name !== 'string' || name.length < 1 || name.length > 255)
      throw new MetricBindingError('The metric name must be a string of 1-255 characters.')
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new MetricBindingError(`The value for metric '${name}' must be a finite number.`)
    const unit = (options?.unit ?? 'None') as MetricUnit
    if (!UNITS.has(unit))
      throw new MetricBindingError(`Unit '${String(unit)}' is not one of ${[...UNITS].join(', ')}.`)
    const dimensions = (options?.dimensions ?? {}) as Record<string, unknown>
    const entries = Object.entries(dimensions)
    if (entries.length > 30 || entries.some(([, v]) => typeof v !== 'string' || v.length === 0))
      throw new MetricBindingError('Dimensions must be at most 30 non-empty strings.')
    const timestamp = typeof options?.timestamp === 'number' ? options.timestamp : clock.now()
    sink.record({
      namespace: resource,
      name,
      dimensions: dimensions as Record<string, string>,
      value,
      unit,
      timestamp,
    })
    return undefined
  }
}
