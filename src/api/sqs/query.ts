import type { QueryAction, QueryService } from '../query.ts'

/** SQS's query-protocol actions (older AWS CLIs and boto3): the JSON operations, form in, XML out. */
export const SQS_QUERY_ACTIONS: ReadonlyMap<string, QueryAction> = new Map()

export const SQS_QUERY_SERVICE: QueryService = {
  signingName: 'sqs',
  version: '2012-11-05',
  xmlns: 'http://queue.amazonaws.com/doc/2012-11-05/',
  actions: SQS_QUERY_ACTIONS,
}
