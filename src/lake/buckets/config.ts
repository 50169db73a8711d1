import { z } from 'zod'
import { resourceName } from '../../kind/name.ts'

/**
 * An S3 bucket in the local lake (`.tributary/<pipeline>/lake/<bucket>/`), with object-created
 * notifications to functions.
 *
 * @example
 * buckets: { raw: { notifications: [{ function: 'transform', prefix: 'incoming/', suffix: '.json' }] } }
 */
export const bucketSchema = z
  .object({
    /** Object-created notifications of the bucket (S3 event notifications to a function). */
    notifications: z
      .array(
        z
          .object({
            /** The function invoked (asynchronously) with S3's event. */
            function: resourceName,
            /** S3 event types; `s3:ObjectCreated:*` covers every way an object is created. */
            events: z
              .array(
                z.enum([
                  's3:ObjectCreated:*',
                  's3:ObjectCreated:Put',
                  's3:ObjectCreated:CompleteMultipartUpload',
                ]),
              )
              .min(1)
              .default(['s3:ObjectCreated:*']),
            /** Only keys starting with this. */
            prefix: z.string().max(1024).optional(),
            /** Only keys ending with this. */
            suffix: z.string().max(1024).optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()

export type BucketConfig = z.output<typeof bucketSchema>
