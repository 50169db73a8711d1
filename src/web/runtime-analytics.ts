import type { AnalyticsJob } from '../analytics/job.ts'
import { AnalyticsJobsToken } from '../analytics/tokens.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { DashboardAnalytics } from './source.ts'

/** The Analytics panel's view of a running pipeline's analytics resources (the current build's). */
export function runtimeAnalytics(runtime: PipelineRuntime): DashboardAnalytics {
  return analyticsOver(() => runtime.offered(AnalyticsJobsToken))
}

/** The panel's reads over `jobs()` (none while the pipeline is rebuilt), by name. */
export function analyticsOver(
  jobs: () => ReadonlyMap<string, Pick<AnalyticsJob, 'status' | 'results'>> | undefined,
): DashboardAnalytics {
  const sorted = () => [...(jobs() ?? new Map())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    list: () => Promise.all(sorted().map(([, job]) => job.status())),
    results: (name, limit) => jobs()?.get(name)?.results(limit),
  }
}
