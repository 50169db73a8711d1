/**
 * The closed set of S3 error codes a bucket raises. The `name` is S3's error code, so a handler
 * that checks `err.name === 'NoSuchKey'` behaves the same locally (the binding host re-throws
 * `name` and `message` in the worker) and against S3.
 *
 * `ObjectPathConflict` has no S3 counterpart: a directory tree cannot hold both the object `a` and
 * the object `a/b` (S3 can). It is Tributary's own, named like S3's codes.
 */
export type BucketErrorName =
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'KeyTooLongError'
  | 'InvalidArgument'
  | 'MetadataTooLarge'
  | 'ObjectPathConflict'
  | 'NotImplemented'
  | 'InvalidBucketName'
  | 'BucketNotEmpty'
  | 'InvalidBucketState'
  | 'MalformedXML'
  | 'SlowDown'
  | 'InternalError'

export class BucketError extends Error {
  override readonly name: BucketErrorName
  /** S3's extra elements of the error (`ArgumentName`, `ArgumentValue`, ...). */
  readonly fields: Record<string, string>

  constructor(name: BucketErrorName, message: string, fields: Record<string, string> = {}) {
    super(message)
    this.name = name
    this.fields = fields
  }
}

export const noSuchBucket = (bucket: string) =>
  new BucketError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`)

export const noSuchKey = () => new BucketError('NoSuchKey', 'The specified key does not exist.')

export const invalidArgument = (message: string) => new BucketError('InvalidArgument', message)

/** S3's 503 when a prefix takes more requests than it can: the caller backs off and retries. */
export const slowDown = () => new BucketError('SlowDown', 'Please reduce your request rate.')

/** S3's 500: a failure on S3's side, worth retrying. */
export const internalError = () =>
  new BucketError('InternalError', 'We encountered an internal error. Please try again.')

/** A store that cannot be opened as configured (bad bucket name, root not a directory). */
export class BucketConfigError extends Error {
  override readonly name = 'BucketConfigError'
}
