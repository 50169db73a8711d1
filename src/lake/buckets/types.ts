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
  /**
   * The flexible checksums the request carried, already verified (algorithm in lower case, e.g.
   * `crc32`, → base64 digest, or `<base64>-<parts>` for a multipart upload's composite one):
   * kept with the object and returned by GetObject and HeadObject when asked.
   */
  checksums?: Record<string, string>
  /**
   * The quoted ETag to keep instead of the body's MD5: a multipart upload's
   * `"<md5 of the parts' MD5s>-<parts>"`. Trusted as given, so only from the S3 API's own code.
   */
  etag?: string
  /** The event the put announces (default `ObjectCreated:Put`). */
  eventName?: ObjectCreatedEventName
  /**
   * Checked under the key's lock, against the object the put would replace (undefined when there
   * is none): throwing refuses the put and writes nothing. S3's conditional writes (`If-None-Match`,
   * `If-Match`) are checked so, with no other write to the key in between.
   */
  precondition?: (current: ObjectHead | undefined) => void
}

/** S3's object-created event names (what `s3:ObjectCreated:*` covers). */
export type ObjectCreatedEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'

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
  /** The flexible checksums stored with the object (see {@link PutObjectOptions.checksums}). */
  checksums?: Record<string, string>
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

/**
 * What the store tells listeners after a durable put (the facts an S3 event is built from); a
 * delete's (`ObjectRemoved:Delete`, size 0 and etag '') goes to the removal listeners.
 */
export interface ObjectCreated {
  bucket: string
  key: string
  size: number
  /** Quoted, as returned by the put. */
  etag: string
  eventName: ObjectCreatedEventName | 'ObjectRemoved:Delete'
  /** Epoch ms. */
  eventTime: number
  /** Upper-case hex, increasing with each put of the store. */
  sequencer: string
}

export type ObjectCreatedListener = (event: ObjectCreated) => void
