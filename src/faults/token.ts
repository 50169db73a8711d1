import { token } from '../kind/kind.ts'
import type { FaultInjector } from './injector.ts'

/** The running engine's injected faults, for the kinds whose calls they hit (functions, buckets, deliveries). */
export const FaultsToken = token<FaultInjector>('faults')
