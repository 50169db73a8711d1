import { defineNamespace, flow, level } from './define.ts'

const FUNCTION = ['FunctionName'] as const
const MAPPING = ['EventSourceMappingUUID'] as const

/**
 * AWS/Lambda: function metrics (the metered invoker), asynchronous invocation metrics (the event
 * queue) and event source mapping metrics (the Kinesis mapping).
 */
export const Lambda = defineNamespace(
  'AWS/Lambda',
  'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
  {
    Invocations: flow('Count', FUNCTION),
    /** Function errors, timeouts and crashes (0 for a success, so Average is the error rate). */
    Errors: flow('Count', FUNCTION),
    Throttles: flow('Count', FUNCTION),
    Duration: flow('Milliseconds', FUNCTION),
    ConcurrentExecutions: level('Count', FUNCTION),
    /** Age of the last record of each batch a Kinesis mapping invoked with. */
    IteratorAge: level('Milliseconds', FUNCTION),
    AsyncEventsReceived: flow('Count', FUNCTION),
    AsyncEventAge: level('Milliseconds', FUNCTION),
    AsyncEventsDropped: flow('Count', FUNCTION),
    PolledEventCount: flow('Count', MAPPING),
    FilteredOutEventCount: flow('Count', MAPPING),
    InvokedEventCount: flow('Count', MAPPING),
    FailedInvokeEventCount: flow('Count', MAPPING),
    DroppedEventCount: flow('Count', MAPPING),
    OnFailureDestinationDeliveredEventCount: flow('Count', MAPPING),
  },
)
