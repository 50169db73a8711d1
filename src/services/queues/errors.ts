/**
 * The closed set of SQS error codes the queue service raises, with SQS's wording where it is
 * known. `name` is the code itself: handler code reaching a queue through a binding sees the same
 * `error.name` an AWS SDK v3 client would show (`QueueDoesNotExist`, `InvalidMessageContents`, ...).
 */
export type QueueErrorCode =
  | 'QueueDoesNotExist'
  | 'InvalidParameterValue'
  | 'InvalidMessageContents'
  | 'MissingParameter'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'InvalidAttributeName'
  | 'InvalidAttributeValue'

export class QueueError extends Error {
  override readonly name: QueueErrorCode

  constructor(
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message)
    this.name = code
  }
}

export const queueDoesNotExist = (queue: string) =>
  new QueueError('QueueDoesNotExist', `The specified queue does not exist: ${queue}`)

/** SQS's wording for an out-of-range parameter. */
export const invalidParameter = (parameter: string, value: unknown, reason: string) =>
  new QueueError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`,
  )

/** Checks an optional integer request parameter; SQS's InvalidParameterValue when out of range. */
export function checkRange(
  parameter: string,
  value: unknown,
  range: { min: number; max: number },
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalidParameter(parameter, value, `Must be between ${range.min} and ${range.max}, if provided.`)
  }
  return value
}
