/**
 * Contracts of the lake's object store with the stages that write into it: the delivery stage
 * writes its files through an {@link ObjectWriter}, which the bucket store implements, without
 * either importing the other.
 */

/** How a delivery stream writes objects: the bucket store's contract as the writer needs it. */
export interface ObjectWriter {
  /**
   * Writes `key` atomically and durably (temp file → fsync → rename → fsync directory) and only
   * then resolves. Writing the same key again replaces it atomically. Readers never see a partial
   * object.
   */
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    options?: {
      contentType?: string
      contentEncoding?: string
      metadata?: Record<string, string>
      /**
       * Lower-case hex MD5 of `body`, when the caller already has it (the encoder computes it
       * off the event loop): the store uses it for the ETag instead of hashing the body again.
       */
      md5?: string
    },
  ): Promise<{ etag: string; size: number }>
}
