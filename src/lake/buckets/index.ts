export { createBucketBindings } from './bindings.ts'
export { BucketStore, type BucketStoreOptions } from './bucket-store.ts'
export { BucketConfigError, BucketError, type BucketErrorName } from './errors.ts'
export { type ListObjectsOptions, MAX_LIST_KEYS } from './list-objects.ts'
export { BucketNotifications, type BucketNotificationsOptions, notificationMatches } from './notifications.ts'
export { checkObjectKey, compareKeys, type KeyCheck, MAX_KEY_BYTES, MAX_SEGMENT_BYTES } from './object-key.ts'
export { encodeEventKey, type S3Event, type S3EventRecord, s3Event } from './s3-event.ts'
export { DEFAULT_CONTENT_TYPE, MAX_METADATA_BYTES } from './sidecar.ts'
export type {
  ListObjectsResult,
  ObjectCreated,
  ObjectCreatedListener,
  ObjectHead,
  ObjectSummary,
  PutObjectOptions,
  StoredObject,
} from './types.ts'
