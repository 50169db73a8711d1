import type { AwsService, JsonProtocol } from '../dispatch.ts'
import type { Operation } from '../operation.ts'
import type { QueryAction, QueryService } from '../query.ts'
import { describeAlarmHistory, describeAlarms, describeAlarmsForMetric, setAlarmState } from './alarms.ts'
import { deleteAlarms, disableAlarmActions, enableAlarmActions } from './delete-alarms.ts'
import { getMetricData, getMetricStatistics, listMetrics, putMetricData } from './metrics.ts'
import { putMetricAlarm } from './put-metric-alarm.ts'
import { CLOUDWATCH_ERRORS, type CloudWatchOperation } from './shared.ts'
import { listTagsForResource, tagResource, untagResource } from './tags.ts'

/** CloudWatch's X-Amz-Target prefix for its JSON 1.0 protocol (current SDKs). */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801'

/** The JSON shape name of a CloudWatch error code (`InvalidParameterValue` → `...Exception`). */
const shapeOf = (code: string) => CLOUDWATCH_ERRORS[code]?.[0] ?? code

/**
 * CloudWatch's JSON errors: `{"__type":"com.amazonaws.cloudwatch#<Shape>","message":...}`, with
 * the query protocol's code in `x-amzn-query-error` (`InvalidParameterValue;Sender`), which the
 * SDKs (query-compatible) report as the error's `Code`.
 */
export const CLOUDWATCH_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazonaws.cloudwatch#${shapeOf(code)}`,
  errorHeaders(error): Record<string, string> {
    if (!CLOUDWATCH_ERRORS[error.code]) return {}
    return {
      'x-amzn-errortype': shapeOf(error.code),
      'x-amzn-query-error': `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
    }
  },
}

/** Each operation once, served on both protocols. */
const OPERATIONS: readonly CloudWatchOperation[] = [
  putMetricData,
  getMetricStatistics,
  getMetricData,
  listMetrics,
  describeAlarms,
  describeAlarmsForMetric,
  describeAlarmHistory,
  setAlarmState,
  putMetricAlarm,
  deleteAlarms,
  enableAlarmActions,
  disableAlarmActions,
  tagResource,
  untagResource,
  listTagsForResource,
]

/** CloudWatch's operations by name (the X-Amz-Target suffix). */
export const CLOUDWATCH_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  OPERATIONS.map((op) => [op.json.name, op.json]),
)

export const CLOUDWATCH_SERVICE: AwsService = {
  targetPrefix: CLOUDWATCH_TARGET_PREFIX,
  signingName: 'monitoring',
  operations: CLOUDWATCH_OPERATIONS,
  protocol: CLOUDWATCH_PROTOCOL,
}

/** CloudWatch's query-protocol actions (older AWS CLIs and boto3): the same operations, form in, XML out. */
export const CLOUDWATCH_QUERY_ACTIONS: ReadonlyMap<string, QueryAction> = new Map(
  OPERATIONS.map((op) => [op.query.name, op.query]),
)

export const CLOUDWATCH_QUERY_SERVICE: QueryService = {
  signingName: 'monitoring',
  version: '2010-08-01',
  xmlns: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  actions: CLOUDWATCH_QUERY_ACTIONS,
}
