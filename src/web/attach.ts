import type { WebRoute } from '../api/server.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import { createDashboardRoutes } from './dashboard.ts'
import { dashboardSourceFromRuntime } from './runtime-source.ts'

/**
 * The dashboard for a running pipeline (PipelineRuntime's `routes` option). Alarms and metrics are
 * read through the runtime on every call, so a reloaded pipeline needs no rewiring.
 */
export function dashboardFor(runtime: PipelineRuntime): { routes: WebRoute[]; close(): Promise<void> } {
  const source = dashboardSourceFromRuntime(runtime, {
    metrics: runtime.metricStore,
    alarms: {
      listAlarms: () => runtime.alarms.listAlarms(),
      history: (name, limit) => runtime.alarms.history(name, limit),
    },
  })
  const dashboard = createDashboardRoutes(source)
  return {
    routes: dashboard.routes,
    async close() {
      dashboard.close()
      await source.close()
    },
  }
}
