export { CHARTS, type ChartSpec, metricChart } from './charts.ts'
export { createDashboardRoutes, type DashboardOptions, type DashboardRoutes } from './dashboard.ts'
export { buildGraph, type GraphEdge, type GraphNode, type PipelineGraph } from './graph.ts'
export { type GraphLayout, layoutGraph, type PlacedEdge, type PlacedNode } from './graph-layout.ts'
export {
  dashboardSourceFromRuntime,
  type RuntimeDashboardSource,
  type RuntimeSourceOptions,
} from './runtime-source.ts'
export type * from './source.ts'
export { tailStream } from './tail.ts'
