import { z } from 'zod'

/** A field's mapping, as OpenSearch writes it: `{ type: 'keyword' }`, `{ type: 'date' }`, an object's `properties`. */
const property: z.ZodType<Record<string, unknown>> = z.lazy(() =>
  z
    .object({
      /** `text`, `keyword`, `long`, `integer`, `short`, `byte`, `double`, `float`, `date`, `boolean`, `object`. */
      type: z.string().optional(),
      /** An object's fields. */
      properties: z.record(z.string(), property).optional(),
      /** Multi-fields: `{ keyword: { type: 'keyword' } }`. */
      fields: z.record(z.string(), property).optional(),
      /** keyword: longer strings are kept in `_source` but not indexed. */
      ignore_above: z.number().int().positive().optional(),
    })
    .passthrough(),
)

/** Index names as OpenSearch takes them: lowercase, not starting with `_`, `-` or `+`. */
export const indexName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,254}$/,
    'must be lowercase a-z 0-9 _ . - (an OpenSearch index name), not starting with _ - +',
  )

/**
 * A search index: a local, durable full-text and field index served through the OpenSearch REST
 * API (`/_opensearch/<index>/_search`, `_bulk`, `_doc`; see docs/search.md). Fields not in the
 * mapping are mapped when first seen, as OpenSearch's dynamic mapping does.
 *
 * @example
 * searchIndexes: {
 *   trips: {
 *     mappings: { properties: { zone: { type: 'keyword' }, fare: { type: 'double' }, pickup: { type: 'date' } } },
 *     timeField: 'pickup',
 *   },
 * }
 */
export const searchIndexSchema = z
  .object({
    /** The index's mapping (fields may be added later, never changed): `{ properties: { ... } }`. */
    mappings: z
      .object({
        /** `true` (default): new fields are mapped when seen; `false`: kept in `_source` only; `strict`: refused. */
        dynamic: z.union([z.boolean(), z.literal('strict')]).optional(),
        /** The fields by name. */
        properties: z.record(z.string(), property).default({}),
      })
      .strict()
      .optional(),
    /** The date field the dashboard's Explore tab draws its histogram over (default: the first date field). */
    timeField: z.string().optional(),
  })
  .strict()

export type SearchIndexConfig = z.output<typeof searchIndexSchema>
