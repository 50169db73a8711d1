import { token } from '../kind/kind.ts'
import type { AnalyticsJob } from './job.ts'

/** The running analytics resources, by name (tests and the dashboard read their progress). */
export const AnalyticsJobsToken = token<ReadonlyMap<string, AnalyticsJob>>('analytics-jobs')
