import { token } from '../kind/kind.ts'
import type { AlarmEvaluator } from './alarms/evaluator.ts'
import type { MetricStore } from './metric-store.ts'
import type { MetricTotals } from './metrics.ts'

/** Where every stage publishes its metrics (and the summary reads totals). */
export const MetricsToken = token<MetricTotals>('metrics')
/** The metric history alarms evaluate and charts draw. */
export const MetricStoreToken = token<MetricStore>('metric-store')
/** The dashboard's address, for links in notifications (undefined when nothing is served). */
export const DashboardUrlToken = token<string | undefined>('dashboard-url')
/** The alarms of the pipeline and their states. */
export const AlarmsToken = token<AlarmEvaluator>('alarms')
