import { z } from 'zod'
import { resourceName } from '../kind/name.ts'

const columns = z.array(
  z
    .object({
      /** The column's name. */
      name: z.string().min(1),
      /** A Glue (Hive) type: `string`, `bigint`, `double`, `timestamp`, `array<string>`, ... */
      type: z.string().min(1),
    })
    .strict(),
)

/**
 * A catalog table (Glue): a schema over files in a bucket, queried with `tributary query` and used
 * by delivery streams that write Parquet.
 *
 * @example
 * catalog: {
 *   readings: {
 *     bucket: 'lake', prefix: 'curated/readings/', format: 'parquet',
 *     columns: [{ name: 'deviceId', type: 'string' }, { name: 'temperature', type: 'double' }],
 *     partitionKeys: [{ name: 'day', type: 'string' }],
 *   },
 * }
 */
export const catalogTableSchema = z
  .object({
    /** The bucket holding the table's files. */
    bucket: resourceName,
    /** Where the table's files are, e.g. `curated/sensors/`. */
    prefix: z.string().default(''),
    /** The files' format. */
    format: z.enum(['parquet', 'json']).default('parquet'),
    /** The table's columns, in order. */
    columns: columns.min(1),
    /** Hive-style partition columns (`key=value` directories). */
    partitionKeys: columns.default([]),
  })
  .strict()

export type CatalogTableConfig = z.output<typeof catalogTableSchema>

/** What {@link writesInto} reads of a delivery stream (the delivery kind's settings). */
export interface TableWriter {
  bucket: string
  prefix: string
  format?: { parquet: { table: string } } | undefined
}

/**
 * Whether a delivery stream writes catalog table `name`'s files: into its bucket, under its prefix,
 * in its format (a Parquet table through the delivery's conversion naming it, a JSON table as the
 * records are).
 */
export function writesInto(name: string, table: CatalogTableConfig, delivery: TableWriter): boolean {
  return (
    delivery.bucket === table.bucket &&
    delivery.prefix.startsWith(table.prefix) &&
    (table.format === 'parquet' ? delivery.format?.parquet.table === name : delivery.format === undefined)
  )
}
