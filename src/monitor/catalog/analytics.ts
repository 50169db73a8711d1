import { defineNamespace, flows, levels } from './define.ts'

const APPLICATION = ['Application'] as const

/**
 * AWS/KinesisAnalytics: what an analytics resource's queries did (Managed Service for Apache
 * Flink publishes numRecordsIn, numLateRecordsDropped and currentInputWatermark; the names here
 * follow the catalog's CloudWatch style).
 */
export const KinesisAnalytics = defineNamespace(
  'AWS/KinesisAnalytics',
  'https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html',
  [
    flows('Count', APPLICATION, ['RecordsIn', 'RecordsOut', 'LateRecordsDropped', 'InvalidRecords']),
    levels('Milliseconds', APPLICATION, ['WatermarkLag']),
  ],
)
