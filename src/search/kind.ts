import { join } from 'node:path'
import { defineKind } from '../kind/kind.ts'
import { indexName, searchIndexSchema } from './config.ts'
import { SearchIndexes } from './indexes.ts'
import { SearchIndexesToken } from './tokens.ts'

/**
 * Search indexes: documents in a local full-text and field index (SQLite FTS5), served through the
 * OpenSearch REST API under `/_opensearch` on the pipeline's port, and written to by sinks.
 */
export const searchIndexKind = defineKind({
  kind: 'index',
  section: 'searchIndexes',
  noun: ['search index', 'search indexes'],
  title: 'Search indexes (OpenSearch)',
  layout: 'named',
  schema: searchIndexSchema,
  key: indexName,
  synth: async () => (await import('./synth.ts')).searchIndexSynth,
  build(ctx, declared) {
    const indexes = SearchIndexes.open({
      dir: join(ctx.dataDir, 'search'),
      clock: ctx.clock,
      declared: Object.fromEntries(declared.map(({ name, config }) => [name, config])),
    })
    ctx.offer(SearchIndexesToken, indexes)
    return { indexes, stop: () => indexes.close() }
  },
  summary: ({ indexes }, view) =>
    indexes.names().length === 0
      ? []
      : [
          {
            line: 'indexes',
            items: indexes.names().map((n) => `${n}: ${view.count(indexes.get(n).docCount())} docs`),
          },
        ],
})
