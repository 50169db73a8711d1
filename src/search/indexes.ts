import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Clock } from '../util/clock.ts'
import { checkIndexName, indexExists, indexNotFound, SearchError } from './errors.ts'
import { SearchIndex } from './index-store.ts'
import type { Mapping } from './mapping.ts'

const SUFFIX = '.sqlite'

/** A document to upsert by its id (an analytics sink's row keyed by window and group). */
export interface IndexDocument {
  id: string
  source: Record<string, unknown>
}

/**
 * The pipeline's search indexes: a directory (`<data dir>/search/`) with one SQLite database per
 * index. Declared indexes are created at build with their mapping; others by `PUT /<index>` or the
 * first document written to them (OpenSearch creates indexes on first write too). Everything
 * survives restarts.
 *
 * @example
 * const indexes = SearchIndexes.open({ dir, clock, declared: { trips: { properties: {} } } })
 * await indexes.bulkUpsert('trips', [{ id: 'w1|zone-7', source: { zone: 'zone-7', trips: 12 } }])
 */
export class SearchIndexes {
  readonly dir: string
  readonly #clock: Clock
  readonly #open = new Map<string, SearchIndex>()
  /** The Explore tab's time field of declared indexes. */
  readonly timeFields: ReadonlyMap<string, string>

  private constructor(dir: string, clock: Clock, timeFields: ReadonlyMap<string, string>) {
    this.dir = dir
    this.#clock = clock
    this.timeFields = timeFields
  }

  static open(options: {
    dir: string
    clock: Clock
    declared?: Readonly<
      Record<string, { mappings?: Partial<Mapping> | undefined; timeField?: string | undefined }>
    >
  }): SearchIndexes {
    const declared = Object.entries(options.declared ?? {})
    const timeFields = new Map(declared.flatMap(([n, d]) => (d.timeField ? [[n, d.timeField] as const] : [])))
    const indexes = new SearchIndexes(options.dir, options.clock, timeFields)
    let files: string[] = []
    try {
      files = readdirSync(options.dir).filter((f) => f.endsWith(SUFFIX))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    try {
      for (const file of files) {
        const name = file.slice(0, -SUFFIX.length)
        indexes.#open.set(name, SearchIndex.open(name, join(options.dir, file)))
      }
      for (const [name, { mappings }] of declared) {
        const existing = indexes.#open.get(name)
        if (existing) {
          if (mappings) existing.putMapping(mappings)
        } else indexes.create(name, mappings)
      }
    } catch (error) {
      indexes.close()
      throw error
    }
    return indexes
  }

  names(): string[] {
    return [...this.#open.keys()].sort()
  }

  has(name: string): boolean {
    return this.#open.has(name)
  }

  /** The index, or OpenSearch's index_not_found_exception. */
  get(name: string): SearchIndex {
    const index = this.#open.get(name)
    if (!index) throw indexNotFound(name)
    return index
  }

  /** Creates an index (`PUT /<index>`); resource_already_exists_exception when it exists. */
  create(name: string, mappings?: Partial<Mapping>): SearchIndex {
    checkIndexName(name)
    if (this.#open.has(name)) throw indexExists(name)
    const index = SearchIndex.open(name, join(this.dir, `${name}${SUFFIX}`), {
      now: this.#clock.now(),
      ...(mappings ? { mapping: mappings } : {}),
    })
    this.#open.set(name, index)
    return index
  }

  /** The index, created with a dynamic mapping when it does not exist (a write's auto-create). */
  getOrCreate(name: string): SearchIndex {
    return this.#open.get(name) ?? this.create(name)
  }

  /** Deletes an index and its files (`DELETE /<index>`). */
  delete(name: string): void {
    this.get(name).drop()
    this.#open.delete(name)
  }

  /**
   * The indexes an expression names, as a search's path takes it: `trips`, `trips,zones`,
   * `trips-*`, `_all` or `*`. A name that matches nothing is index_not_found_exception; a
   * wildcard that matches nothing is no index.
   */
  resolve(expression: string): SearchIndex[] {
    const out = new Map<string, SearchIndex>()
    for (const part of expression.split(',')) {
      if (part === '_all' || part === '*') for (const [n, i] of this.#open) out.set(n, i)
      else if (part.includes('*')) {
        const re = new RegExp(
          `^${part
            .split('*')
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        )
        for (const [n, i] of this.#open) if (re.test(n)) out.set(n, i)
      } else out.set(part, this.get(part))
    }
    return [...out.values()]
  }

  /**
   * Upserts documents by id into `index` (created on first use), resolving once they are durable:
   * what a sink writing keyed results calls (a replay writes the same ids again, so it is
   * idempotent). Rejects with the first document's {@link SearchError} when one is refused (a
   * value that does not fit its field's mapping); the others are written.
   */
  async bulkUpsert(index: string, docs: readonly IndexDocument[]): Promise<void> {
    const target = this.getOrCreate(index)
    const outcomes = target.write(docs.map((d) => ({ op: 'index' as const, id: d.id, source: d.source })))
    await target.durable()
    const failed = outcomes.find((o) => !o.ok)
    if (failed && !failed.ok) throw failed.error
  }

  /** Deletes documents by id (missing ones are no error), resolving once durable. */
  async bulkDelete(index: string, ids: readonly string[]): Promise<void> {
    const target = this.get(index)
    target.write(ids.map((id) => ({ op: 'delete' as const, id })))
    await target.durable()
  }

  close(): void {
    for (const index of this.#open.values()) index.close()
    this.#open.clear()
  }
}

export { SearchError }
