import { token } from '../kind/kind.ts'
import type { BucketStore } from './buckets/bucket-store.ts'

/** The lake's buckets (objects, listings, object-created events). */
export const BucketStoreToken = token<BucketStore>('buckets')
/** The names of the buckets the pipeline declares. */
export const BucketNamesToken = token<ReadonlySet<string>>('bucket-names')
