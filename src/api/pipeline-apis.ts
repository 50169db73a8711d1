import { CLOUDWATCH_QUERY_SERVICE, CLOUDWATCH_SERVICE } from './cloudwatch/index.ts'
import type { AwsService } from './dispatch.ts'
import { DYNAMODB_SERVICE } from './dynamodb/index.ts'
import { LOGS_SERVICE } from './logs/index.ts'
import type { QueryService } from './query.ts'
import { SNS_SERVICE } from './sns/index.ts'
import { SQS_SERVICE } from './sqs/index.ts'
import { SQS_QUERY_SERVICE } from './sqs/query.ts'

/**
 * The wire APIs of a pipeline's resources, served beside Kinesis and Firehose when the server runs
 * a pipeline (`tributary dev`): their operations reach the current build's services through
 * `OperationContext.pipeline`.
 */
export const PIPELINE_APIS: readonly AwsService[] = [
  DYNAMODB_SERVICE,
  SQS_SERVICE,
  CLOUDWATCH_SERVICE,
  LOGS_SERVICE,
]

/** The query-protocol APIs of a pipeline's resources (form-encoded requests, XML replies). */
export const PIPELINE_QUERY_APIS: readonly QueryService[] = [
  SNS_SERVICE,
  SQS_QUERY_SERVICE,
  CLOUDWATCH_QUERY_SERVICE,
]
