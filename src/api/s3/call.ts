import type { IncomingHttpHeaders } from 'node:http'
import type { BucketStore } from '../../lake/buckets/bucket-store.ts'
import type { BucketRegistry } from '../../lake/buckets/registry.ts'

/** One S3 request, routed: its method, bucket and key (decoded), subresources, headers and body. */
export interface S3Call {
  /** Upper case. */
  method: string
  bucket: string | undefined
  /** Decoded. */
  key: string | undefined
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface S3Context {
  store: BucketStore
  /** Creates and deletes buckets (declared ones stay the definition's). */
  buckets(): BucketRegistry
  /** `<dataDir>/lake`. */
  lakeRoot: string
  bucketNames(): Promise<{ name: string; created: number }[]>
  now(): number
}
