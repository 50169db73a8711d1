import type { AwsService } from './dispatch.ts'
import { DYNAMODB_SERVICE } from './dynamodb/index.ts'
import type { QueryService } from './query.ts'
import { SNS_SERVICE } from './sns/index.ts'
import { SQS_SERVICE } from './sqs/index.ts'

/**
 * The wire APIs of a pipeline's resources, served beside Kinesis and Firehose when the server runs
 * a pipeline (`tributary dev`): their operations reach the current build's services through
 * `OperationContext.pipeline`.
 */
export const PIPELINE_APIS: readonly AwsService[] = [DYNAMODB_SERVICE, SQS_SERVICE]

/** The query-protocol APIs of a pipeline's resources (form-encoded requests, XML replies). */
export const PIPELINE_QUERY_APIS: readonly QueryService[] = [SNS_SERVICE]
