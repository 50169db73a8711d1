import type * as glue from 'aws-cdk-lib/aws-glue'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { cdk } from '../kind/cdk-synth.ts'
import { ConfigProblem } from '../kind/kind.ts'
import type { SynthContext, SynthFace } from '../kind/synth.ts'
import { type CatalogTableConfig, type TableWriter, writesInto } from './config.ts'
import { duckdbType, UnsupportedTypeError } from './glue-types.ts'

const { Stack } = cdk
const { CfnDatabase, CfnTable } = cdk.aws_glue

/** Glue's (and Athena's) names: lower case letters, digits and `_`; Glue lowercases any other. */
const GLUE_NAME = /^[a-z0-9_]{1,255}$/

/** The Glue database of a pipeline's catalog tables: its name in Glue's spelling. */
export function glueDatabaseName(pipeline: string): string {
  return pipeline.toLowerCase().replace(/[^a-z0-9_]/g, '_')
}

const FORMATS = {
  parquet: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
  },
  json: {
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
  },
} as const

/** The pipeline's Glue database, made once. */
function database(ctx: SynthContext): glue.CfnDatabase {
  const existing = ctx.stack.node.tryFindChild('catalog-database')
  if (existing) return existing as glue.CfnDatabase
  return new CfnDatabase(ctx.stack, 'catalog-database', {
    catalogId: Stack.of(ctx.stack).account,
    databaseInput: {
      name: glueDatabaseName(ctx.pipeline),
      description: `Tributary pipeline ${ctx.pipeline}`,
    },
  })
}

/**
 * Catalog tables become Glue tables (external, over the bucket's prefix) in one Glue database
 * per pipeline, named after it. Athena then queries the lake as `tributary query` does. The
 * deliveries writing a partitioned table add its partition projection; a partitioned table no
 * delivery writes gets a warning (its partitions must be added to the catalog).
 */
export const catalogSynth: SynthFace<CatalogTableConfig> = {
  localOnly: [],
  synth(ctx, tables) {
    for (const { name, config } of tables) {
      if (!GLUE_NAME.test(name))
        throw new ConfigProblem(
          'Glue table names are lower case letters, digits and _ (Glue lowercases others, Athena refuses - and .)',
          [name],
          `rename it, e.g. ${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
        )
      for (const field of ['columns', 'partitionKeys'] as const)
        config[field].forEach((column, i) => {
          try {
            duckdbType(column.type)
          } catch (error) {
            if (!(error instanceof UnsupportedTypeError)) throw error
            throw new ConfigProblem(`is not a Glue type: ${error.message}`, [name, field, i, 'type'])
          }
        })
      const db = database(ctx)
      const bucket = ctx.get<IBucket>('bucket', config.bucket).construct
      const table = new CfnTable(ctx.stack, ctx.id('catalog', name), {
        catalogId: Stack.of(ctx.stack).account,
        databaseName: glueDatabaseName(ctx.pipeline),
        tableInput: {
          name,
          tableType: 'EXTERNAL_TABLE',
          parameters: { classification: config.format, EXTERNAL: 'TRUE' },
          partitionKeys: config.partitionKeys.map((c) => ({ name: c.name, type: c.type })),
          storageDescriptor: {
            columns: config.columns.map((c) => ({ name: c.name, type: c.type })),
            location: `s3://${bucket.bucketName}/${config.prefix}`,
            ...FORMATS[config.format],
          },
        },
      })
      table.addResourceDependency(db)
      ctx.add('catalog', name, { construct: table, physicalName: name })
      // Deliveries writing the table project its partitions (src/delivery/projection.ts).
      const deliveries = (ctx.definition.deliveries ?? {}) as Record<string, TableWriter>
      if (
        config.partitionKeys.length > 0 &&
        !Object.values(deliveries).some((d) => writesInto(name, config, d))
      )
        ctx.warn(
          `catalog.${name}.partitionKeys: no delivery writes this table, so its partitions are not projected: ` +
            `Athena sees a partition once it is added (MSCK REPAIR TABLE ${name})`,
        )
    }
  },
}
