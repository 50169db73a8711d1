import type { SynthFace } from '../kind/synth.ts'
import type { SearchIndexConfig } from './config.ts'

const WHY = 'the local OpenSearch API has no AWS resource in the app yet'

/**
 * Search indexes are local-only for now: `tributary synth` says so once per index and adds
 * nothing. An OpenSearch domain (or Serverless collection) holds indexes as data, not as
 * CloudFormation resources, so mapping one needs a domain per pipeline plus a custom resource
 * that creates each index with its mapping; see docs/search.md.
 */
export const searchIndexSynth: SynthFace<SearchIndexConfig> = {
  localOnly: [
    { path: 'mappings', why: WHY, isSet: () => false },
    { path: 'timeField', why: "the dashboard's Explore tab only", isSet: () => false },
  ],
  synth(ctx, indexes) {
    for (const { name } of indexes)
      ctx.warn(
        `searchIndexes.${name}: local-only (${WHY}: no OpenSearch domain is synthesized), not deployed`,
      )
  },
}
