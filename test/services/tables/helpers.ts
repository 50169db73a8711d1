import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { TableDefinition } from '../../../src/services/tables/index.ts'
import { TableService } from '../../../src/services/tables/index.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { tempDir } from '../../helpers/tmp.ts'

/** A state store in a fresh temporary directory, closed after the test. */
export async function openStore(): Promise<{ store: StateStore; path: string }> {
  const path = join(await tempDir(), 'state.db')
  const store = StateStore.open(path)
  onTestFinished(() => {
    if (store.db.open) store.close()
  })
  return { store, path }
}

export async function openTable(
  def: TableDefinition = { partitionKey: 'pk', sortKey: 'sk' },
  name = 'things',
) {
  const { store, path } = await openStore()
  return { table: new TableService(store, name, def), store, path }
}

/** The `name` and `message` of what `fn` throws (or rejects with). */
export async function errorOf(fn: () => unknown): Promise<{ name: string; message: string }> {
  try {
    await fn()
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message }
  }
  throw new Error('expected an error, but none was thrown')
}
