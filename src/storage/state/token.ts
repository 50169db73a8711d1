import { token } from '../../kind/kind.ts'
import type { StateStore } from './state-store.ts'

/** The pipeline's state store (SQLite): queues, topics, tables, checkpoints, alarm states. */
export const StateStoreToken = token<StateStore>('state-store')
