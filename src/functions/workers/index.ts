export { FunctionNotFoundError, PoolClosedError } from './errors.ts'
export { FunctionPool, type FunctionPoolOptions, type FunctionStats } from './pool.ts'
