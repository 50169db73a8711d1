import { z } from 'zod'

const attributeName = z.string().min(1).max(255)

/** A secondary index of a declared table (DynamoDB's LocalSecondaryIndexes / GlobalSecondaryIndexes). */
const indexSchema = z
  .object({
    /**
     * `global` (a partition key of its own, queried across the table) or `local` (the table's
     * partition key with another sort key, queried within a partition).
     */
    type: z.enum(['global', 'local']).default('global'),
    /** A global index's partition key attribute (a local index uses the table's). */
    partitionKey: attributeName.optional(),
    /** The index's sort key attribute (required for a local index). */
    sortKey: attributeName.optional(),
    /**
     * What the index holds beside the keys: `ALL` attributes, `KEYS_ONLY`, or
     * `{ include: [...] }` (those non-key attributes).
     */
    projection: z
      .union([
        z.enum(['ALL', 'KEYS_ONLY']),
        z.object({ include: z.array(attributeName).min(1).max(100) }).strict(),
      ])
      .default('ALL'),
  })
  .strict()
  .superRefine((index, ctx) => {
    if (index.type === 'global' && index.partitionKey === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a global index needs a partitionKey', path: ['partitionKey'] })
    }
    if (index.type === 'local' && index.partitionKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: "a local index uses the table's partition key; give only its sortKey",
        path: ['partitionKey'],
      })
    }
    if (index.type === 'local' && index.sortKey === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a local index needs a sortKey', path: ['sortKey'] })
    }
  })

/**
 * A DynamoDB table: its key schema, read and written by handlers through `table(name)` bindings
 * and by DynamoDB clients through the API.
 *
 * @example
 * tables: {
 *   devices: { partitionKey: 'deviceId' },
 *   readings: {
 *     partitionKey: 'deviceId', sortKey: 'ts', attributeTypes: { deviceId: 'S', ts: 'N', status: 'S' },
 *     indexes: { byStatus: { partitionKey: 'status', sortKey: 'ts', projection: 'KEYS_ONLY' } },
 *   },
 * }
 */
export const tableSchema = z
  .object({
    /** The partition (hash) key attribute. */
    partitionKey: attributeName,
    /** The sort (range) key attribute, if the table has one. */
    sortKey: attributeName.optional(),
    /**
     * The types (`S`, `N` or `B`) of key attributes, the table's and its indexes': a key value of
     * another type is refused as DynamoDB refuses it. A key attribute not listed takes any of them.
     */
    attributeTypes: z.record(attributeName, z.enum(['S', 'N', 'B'])).optional(),
    /**
     * Secondary indexes by name (3-255 characters of `a-z A-Z 0-9 _ - .`): Query and Scan with
     * `IndexName`. An item without an index's key attributes is not in that index.
     */
    indexes: z.record(z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/), indexSchema).optional(),
    /**
     * Time to live: the attribute holding each item's expiry as a Number of seconds since the
     * epoch. Items past it are deleted by a sweep once a minute (DynamoDB takes up to a few
     * days); until then reads still return them, as on DynamoDB.
     */
    timeToLiveAttribute: attributeName.optional(),
  })
  .strict()

export type TableConfig = z.output<typeof tableSchema>
