import type { BucketStore } from '../lake/buckets/bucket-store.ts'
import type { BucketRegistry } from '../lake/buckets/registry.ts'
import type { AlarmEvaluator } from '../monitor/alarms/evaluator.ts'
import type { LogStore } from '../monitor/logs/log-store.ts'
import type { MetricStore } from '../monitor/metric-store.ts'
import type { MetricSink } from '../monitor/metrics.ts'
import type { SearchIndexes } from '../search/indexes.ts'
import type { QueueService } from '../services/queues/queue-service.ts'
import type { TableRegistry } from '../services/tables/registry.ts'
import type { TableService } from '../services/tables/table-service.ts'
import type { TopicService } from '../services/topics/topic-service.ts'

/**
 * The services behind the wire APIs of a pipeline's resources (SQS, DynamoDB, SNS, CloudWatch,
 * S3), as the current build of the pipeline has them: `tributary dev` rebuilds them when the
 * definition changes, so operations ask for them on every request. Each getter throws a
 * {@link PipelineRebuildingError} while a rebuild is under way.
 */
export interface PipelineServices {
  queues(): QueueService
  topics(): TopicService
  /** Every table by name (declared ones, and those created through the API). */
  tables(): ReadonlyMap<string, TableService>
  /** Creates and drops tables through the API (declared ones stay the definition's). */
  tableRegistry(): TableRegistry
  buckets(): BucketStore
  /** Creates and deletes buckets through the API (declared ones stay the definition's). */
  bucketRegistry(): BucketRegistry
  /** Where metrics go (PutMetricData): the same sink the stages publish to. */
  metrics(): MetricSink
  /** The metric history (GetMetricStatistics, GetMetricData). */
  metricStore(): MetricStore
  alarms(): AlarmEvaluator
  /** The functions' logs (CloudWatch Logs). */
  logs(): LogStore
  /** The search indexes (the OpenSearch API under `/_opensearch`). */
  searchIndexes(): SearchIndexes
}

/** A request that arrived while the pipeline was being rebuilt: the client may retry. */
export class PipelineRebuildingError extends Error {
  override readonly name = 'PipelineRebuildingError'
  constructor() {
    super('the pipeline is being rebuilt; try again')
  }
}
