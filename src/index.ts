/** Tributary's library entry point: define pipelines, and run the engine from code. */

export { type ServerOptions, TributaryServer } from './api/server.ts'
export { type EngineOptions, StreamEngine } from './engine/engine.ts'
export { definePipeline, type PipelineDefinition } from './pipeline/define.ts'
export { type LoadedPipeline, loadPipeline } from './pipeline/load.ts'
export { PipelineRuntime, type PipelineRuntimeOptions } from './pipeline/runtime.ts'
export { type LakeQuery, openLakeQuery } from './query/index.ts'
