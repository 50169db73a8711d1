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
    /** Members the error's shape adds beside the message (DynamoDB's `CancellationReasons`). */
    readonly fields: Readonly<Record<string, unknown>> = {},
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
    if (error instanceof ServiceError) {
      // Kinesis's 500 carries no message at all: the body is exactly {"__type":"InternalFailure"}
      // (recorded from AWS). The engine's message stays for logs and per-record PutRecords results.
      const message = error.code === 'InternalFailure' ? undefined : error.message
      return new AwsError(error.code, message, error.status)
    }
    return undefined
  }
}

export const serializationError = (message?: string) =>
  new AwsError('SerializationException', message, 400, 'Message')
export const validationError = (message: string) => new AwsError('ValidationException', message)
/** Kinesis's generic 500: `{"__type":"InternalFailure"}`, with no message (as AWS sends it). */
export const internalFailure = () => new AwsError('InternalFailure', undefined, 500)
