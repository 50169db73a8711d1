export type { FunctionLog, FunctionSpec } from '../contracts/functions.ts' // TODO(kinds): remove once src/pipeline imports from contracts
