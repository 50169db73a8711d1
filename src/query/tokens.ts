import { token } from '../kind/kind.ts'
import type { CatalogTableConfig } from './config.ts'

/** The catalog's tables by name (Parquet conversion reads their columns). */
export const CatalogToken = token<Readonly<Record<string, CatalogTableConfig>>>('catalog')
