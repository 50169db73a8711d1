/** Tributary's library entry point: define pipelines, and run the engine from code. */

export { type ServerOptions, TributaryServer } from './api/server.ts'
export { type EngineOptions, StreamEngine } from './engine/engine.ts'
export { definePipeline, type PipelineDefinition } from './pipeline/define.ts'
