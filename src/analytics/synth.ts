import type { SynthFace } from '../kind/synth.ts'
import type { AnalyticsConfig } from './config.ts'

/**
 * Analytics resources are local-only for now: each is reported with one line at synth, and no
 * AWS resource is made (Managed Service for Apache Flink would run the same SQL; not mapped yet).
 */
export const analyticsSynth: SynthFace<AnalyticsConfig> = {
  localOnly: [
    {
      path: 'sql',
      why: 'streaming SQL runs locally only for now (Managed Service for Apache Flink is not mapped yet)',
      isSet: () => true,
    },
    { path: 'idleTimeoutMs', why: 'the SQL runs locally only for now', isSet: () => false },
    { path: 'maxBatchRecords', why: 'the SQL runs locally only for now', isSet: () => false },
    { path: 'lateRecords', why: 'the SQL runs locally only for now', isSet: () => false },
  ],
  // The `sql` entry above is the one line each resource gets; nothing is added to the stack.
  synth() {},
}
