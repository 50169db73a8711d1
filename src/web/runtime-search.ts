import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { SearchIndexes } from '../search/indexes.ts'
import { searchIndex } from '../search/search.ts'
import { SearchIndexesToken } from '../search/tokens.ts'
import type { DashboardSearch } from './source.ts'

/** The Explore panel's view of a running pipeline's search indexes (the current build's). */
export function runtimeSearch(runtime: PipelineRuntime): DashboardSearch {
  return searchOver(
    () => runtime.offered(SearchIndexesToken),
    () => runtime.engine.clock.now(),
  )
}

/** The panel's reads over `indexes()` (none while the pipeline is rebuilt). */
export function searchOver(indexes: () => SearchIndexes | undefined, now: () => number): DashboardSearch {
  return {
    indexes: () => {
      const all = indexes()
      if (!all) return []
      return all.names().map((name) => {
        const index = all.get(name)
        const fields = index.fields().map((f) => ({ path: f.path, type: f.type }))
        const timeField = all.timeFields.get(name) ?? fields.find((f) => f.type === 'date')?.path
        return { name, docCount: index.docCount(), fields, ...(timeField ? { timeField } : {}) }
      })
    },
    search: (name, body) => {
      const all = indexes()
      if (!all)
        throw Object.assign(new Error('the pipeline is being rebuilt'), {
          status: 503,
          reason: 'the pipeline is being rebuilt; try again',
        })
      return searchIndex(all.get(name), body, now())
    },
  }
}
