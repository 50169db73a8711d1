/** A delivery stream configuration that cannot work (Firehose answers InvalidArgumentException). */
export class DeliveryConfigError extends Error {
  override readonly name = 'DeliveryConfigError'
}
