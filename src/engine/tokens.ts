import { token } from '../kind/kind.ts'
import type { StreamEngine } from './engine.ts'

/** The stream engine the runtime opened (streams, shards, the state store). */
export const EngineToken = token<StreamEngine>('engine')
