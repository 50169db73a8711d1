import { token } from '../kind/kind.ts'
import type { BucketStore } from './buckets/bucket-store.ts'
import type { BucketRegistry } from './buckets/registry.ts'

/** The lake's buckets (objects, listings, object-created events). */
export const BucketStoreToken = token<BucketStore>('buckets')
/** Whether the lake has a bucket (declared, or created through the S3 API): a live view. */
export const BucketNamesToken = token<{ has(name: string): boolean }>('bucket-names')
/** Creates and deletes buckets through the S3 API. */
export const BucketRegistryToken = token<BucketRegistry>('bucket-registry')
