import { z } from 'zod'

/**
 * A DynamoDB table: its key schema (string attributes), read and written by handlers through
 * `table(name)` bindings.
 *
 * @example
 * tables: { devices: { partitionKey: 'deviceId' }, readings: { partitionKey: 'deviceId', sortKey: 'ts' } }
 */
export const tableSchema = z
  .object({
    /** The partition (hash) key attribute. */
    partitionKey: z.string().min(1),
    /** The sort (range) key attribute, if the table has one. */
    sortKey: z.string().min(1).optional(),
  })
  .strict()

export type TableDefinition = z.output<typeof tableSchema>
