/**
 * A schedule expression EventBridge would refuse. The message names the expression and the
 * problem in one line, so configuration errors can show it as it is.
 */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError'

  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`invalid schedule expression ${JSON.stringify(expression)}: ${reason}`)
  }
}

/** A schedule definition the scheduler cannot run (bad or duplicate rule name, no function). */
export class ScheduleConfigError extends Error {
  override readonly name = 'ScheduleConfigError'
}
