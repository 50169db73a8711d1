import { z } from 'zod'
import { resourceName } from '../../kind/name.ts'

/**
 * An S3 bucket in the local lake (`.tributary/<pipeline>/lake/<bucket>/`), with event
 * notifications to functions (more, to queues and topics too, can be set through the S3 API's
 * PutBucketNotificationConfiguration).
 *
 * @example
 * buckets: { raw: { notifications: [{ function: 'transform', prefix: 'incoming/', suffix: '.json' }] } }
 */
export const bucketSchema = z
  .object({
    /** Event notifications of the bucket to functions (always in effect, beside any set through the API). */
    notifications: z
      .array(
        z
          .object({
            /** The function invoked (asynchronously) with S3's event. */
            function: resourceName,
            /**
             * S3 event types; `s3:ObjectCreated:*` covers every way an object is created (Put,
             * Post, Copy, CompleteMultipartUpload), `s3:ObjectRemoved:*` deletes through the S3 API.
             */
            events: z
              .array(
                z.enum([
                  's3:ObjectCreated:*',
                  's3:ObjectCreated:Put',
                  's3:ObjectCreated:Post',
                  's3:ObjectCreated:Copy',
                  's3:ObjectCreated:CompleteMultipartUpload',
                  's3:ObjectRemoved:*',
                  's3:ObjectRemoved:Delete',
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
