/** What a put may say about an object besides its bytes (S3's PutObject headers). */
export interface PutObjectOptions {
  /** Default `binary/octet-stream`, as S3. */
  contentType?: string
  contentEncoding?: string
  /** User metadata (`x-amz-meta-*`): names are lower-cased; 2 KB in all. */
  metadata?: Record<string, string>
  /**
   * Lower-case hex MD5 of the body, already computed by the caller (the delivery encoder, off the
   * event loop): the ETag is made from it instead of hashing the body again. Trusted as given, so
   * only for internal writers, never from a request.
   */
  md5?: string
}

/** HeadObject's answer. */
export interface ObjectHead {
  key: string
  size: number
  /** Quoted MD5 hex of the bytes, as S3's `ETag` header: `"9e107d9d372bb6826bd81d3542a419d6"`. */
  etag: string
  contentType: string
  contentEncoding?: string
  metadata: Record<string, string>
  /** Epoch ms of the put. */
  lastModified: number
}

/** GetObject's answer. */
export interface StoredObject extends ObjectHead {
  body: Buffer
}

/** One `Contents` entry of ListObjectsV2. */
export interface ObjectSummary {
  key: string
  size: number
  etag: string
  lastModified: number
}

/** ListObjectsV2's answer, camelCased. */
export interface ListObjectsResult {
  objects: ObjectSummary[]
  commonPrefixes: string[]
  isTruncated: boolean
  /** Present while `isTruncated`: pass it as `continuationToken` for the next page. */
  nextContinuationToken?: string
  /** Objects plus common prefixes on this page. */
  keyCount: number
}

/** What the store tells listeners after a durable put (the facts an S3 event is built from). */
export interface ObjectCreated {
  bucket: string
  key: string
  size: number
  /** Quoted, as returned by the put. */
  etag: string
  eventName: 'ObjectCreated:Put'
  /** Epoch ms. */
  eventTime: number
  /** Upper-case hex, increasing with each put of the store. */
  sequencer: string
}

export type ObjectCreatedListener = (event: ObjectCreated) => void
