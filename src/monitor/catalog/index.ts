/**
 * The catalog of the AWS metrics Tributary publishes: per metric its namespace, name, unit,
 * dimension keys, kind and AWS's page. Producers publish through a {@link MetricScope} with a
 * spec from here; readers (the dev summary, the dashboard's charts and edge rates, `/metrics`)
 * name metrics by spec. No metric name is written anywhere else in `src/` (a test checks).
 */
import { KinesisAnalytics } from './analytics.ts'
import type { MetricDefinition } from './define.ts'
import { Events } from './events.ts'
import { Firehose } from './firehose.ts'
import { Kinesis } from './kinesis.ts'
import { Lambda } from './lambda.ts'
import { SNS } from './sns.ts'
import { SQS } from './sqs.ts'

export * from './define.ts'
export * from './scope.ts'
export { Events, Firehose, Kinesis, KinesisAnalytics, Lambda, SNS, SQS }

/** Every catalog metric, namespace by namespace. */
export const AWS_METRICS: readonly MetricDefinition[] = [
  Kinesis,
  Lambda,
  SQS,
  SNS,
  Firehose,
  Events,
  KinesisAnalytics,
].flatMap((namespace): MetricDefinition[] => Object.values(namespace))
