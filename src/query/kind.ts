import { defineKind } from '../kind/kind.ts'
import { catalogTableSchema } from './config.ts'
import { CatalogToken } from './tokens.ts'

/** Catalog tables (Glue): schemas over files in a bucket, for `tributary query` and Parquet output. */
export const catalogKind = defineKind({
  kind: 'catalog',
  section: 'catalog',
  noun: ['catalog table', 'catalog tables'],
  title: 'Catalog tables (Glue)',
  layout: 'named',
  schema: catalogTableSchema,
  synth: async () => (await import('./synth.ts')).catalogSynth,
  references: (t) => [{ path: ['bucket'], kind: 'bucket', name: t.bucket, label: 'files', inbound: true }],
  build(ctx, tables) {
    ctx.offer(CatalogToken, Object.fromEntries(tables.map(({ name, config }) => [name, config])))
    return {}
  },
})
