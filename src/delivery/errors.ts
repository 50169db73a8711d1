/** A delivery stream configuration that cannot work (Firehose answers InvalidArgumentException). */
export class DeliveryConfigError extends Error {
  override readonly name = 'DeliveryConfigError'
}

/**
 * An injected fault failed a delivery attempt (docs/faults.md): `errorCode` is the code Firehose
 * reports for that S3 failure (`S3.SlowDown`, `S3.InternalError`). The attempt is retried.
 */
export class DeliveryFaultError extends Error {
  override readonly name = 'DeliveryFaultError'
  readonly errorCode: string

  constructor(errorCode: string, message: string) {
    super(`${errorCode}: ${message}`)
    this.errorCode = errorCode
  }
}
