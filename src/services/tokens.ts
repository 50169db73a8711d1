import { token } from '../kind/kind.ts'
import type { QueueService } from './queues/queue-service.ts'
import type { TableRegistry } from './tables/registry.ts'
import type { TableService } from './tables/table-service.ts'
import type { TopicService } from './topics/topic-service.ts'

/** The SQS queues of the pipeline. */
export const QueuesToken = token<QueueService>('queues')
/** The SNS topics of the pipeline. */
export const TopicsToken = token<TopicService>('topics')
/** The DynamoDB tables of the pipeline, by name. */
export const TablesToken = token<ReadonlyMap<string, TableService>>('tables')
/** The tables' registry: CreateTable and DeleteTable through the DynamoDB API. */
export const TableRegistryToken = token<TableRegistry>('table-registry')
