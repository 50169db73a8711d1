import { token } from '../kind/kind.ts'
import type { SearchIndexes } from './indexes.ts'

/** The pipeline's search indexes (declared ones, and those created through the OpenSearch API). */
export const SearchIndexesToken = token<SearchIndexes>('search-indexes')
