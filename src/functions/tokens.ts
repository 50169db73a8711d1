import type { FunctionLog, FunctionSpec } from '../contracts/functions.ts'
import { token } from '../kind/kind.ts'
import type { AsyncInvocations } from './async/async-invocations.ts'
import type { BindingUsage } from './binding-usage.ts'
import type { InvocationEvent } from './workers/function-worker.ts'
import type { FunctionPool } from './workers/pool.ts'

/** The worker pool running the pipeline's handlers. */
export const PoolToken = token<FunctionPool>('pool')
/** Lambda's asynchronous invocation queue (durable; retries, failure destinations). */
export const AsyncInvocationsToken = token<AsyncInvocations>('async-invocations')
/** Which bindings each function has used; owned by the runtime, kept across rebuilds. */
export const BindingUseToken = token<BindingUsage>('binding-use')
/** Where every line a handler logs goes (the runtime prints it and takes EMF metrics from it). */
export const FunctionLogsToken = token<(log: FunctionLog) => void>('function-logs')
/** Where each invocation's start and end go (the runtime writes Lambda's START / END / REPORT). */
export const InvocationsToken = token<(event: InvocationEvent) => void>('function-invocations')
/** The declared functions as the pool runs them, by name (timeouts, handler files). */
export const FunctionSpecsToken = token<ReadonlyMap<string, FunctionSpec>>('function-specs')
