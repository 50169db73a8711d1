/**
 * A bad setting in a pipeline declaration (a queue, mapping, topic or subscription): names the
 * field so the pipeline loader can print one line pointing at it.
 */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError'

  constructor(
    /** Dotted path of the offending field, e.g. `queues.orders.visibilityTimeoutSeconds`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`)
  }
}

/** Checks an optional integer setting against AWS's range; returns the default when absent. */
export function intInRange(
  field: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(
      field,
      `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`,
    )
  }
  return value
}
