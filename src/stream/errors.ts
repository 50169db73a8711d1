/** The closed set of Kinesis error types the engine raises; the API renders `{__type, message}`. */
export type ServiceErrorCode =
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'InvalidArgumentException'
  | 'LimitExceededException'
  | 'ExpiredIteratorException'
  | 'ExpiredNextTokenException'
  | 'ProvisionedThroughputExceededException'
  | 'ValidationException'
  | 'InternalFailure'

const STATUS: Partial<Record<ServiceErrorCode, number>> = { InternalFailure: 500 }

/**
 * An error a Kinesis client should see, with the exact type and message AWS would send. Messages
 * follow AWS's wording, which is why they are built where the facts are known (in the engine).
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  readonly status: number

  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message)
    this.status = STATUS[code] ?? 400
  }
}
