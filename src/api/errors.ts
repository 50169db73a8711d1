import { ServiceError } from '../stream/errors.ts'

/**
 * An error on the AWS wire: `__type`, message and HTTP status, exactly as the service sends them.
 * Kinesis spells the message key `Message` in SerializationException bodies and `message`
 * elsewhere; `messageKey` keeps that quirk.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError'

  constructor(
    readonly code: string,
    message: string | undefined,
    readonly status = 400,
    readonly messageKey: 'message' | 'Message' = 'message',
  ) {
    super(message ?? code)
    this.hasMessage = message !== undefined
  }

  readonly hasMessage: boolean

  body(): Record<string, string> {
    return this.hasMessage ? { __type: this.code, [this.messageKey]: this.message } : { __type: this.code }
  }

  static from(error: unknown): AwsError | undefined {
    if (error instanceof AwsError) return error
    if (error instanceof ServiceError) return new AwsError(error.code, error.message, error.status)
    return undefined
  }
}

export const serializationError = (message?: string) =>
  new AwsError('SerializationException', message, 400, 'Message')
export const validationError = (message: string) => new AwsError('ValidationException', message)
export const internalFailure = () => new AwsError('InternalFailure', 'Internal service failure.', 500)
