import { defineNamespace, flows, levels } from './define.ts'

const FUNCTION = ['FunctionName'] as const
const MAPPING = ['EventSourceMappingUUID'] as const

/**
 * AWS/Lambda: function metrics (the metered invoker; Errors is 0 for a success, so its Average is
 * the error rate), asynchronous invocation metrics (the event queue), IteratorAge (the age of the
 * last record of each batch a Kinesis mapping invoked with) and the event source mapping counts.
 */
export const Lambda = defineNamespace(
  'AWS/Lambda',
  'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
  [
    flows('Count', FUNCTION, [
      'Invocations',
      'Errors',
      'Throttles',
      'AsyncEventsReceived',
      'AsyncEventsDropped',
    ]),
    flows('Milliseconds', FUNCTION, ['Duration']),
    levels('Count', FUNCTION, ['ConcurrentExecutions']),
    levels('Milliseconds', FUNCTION, ['IteratorAge', 'AsyncEventAge']),
    flows('Count', MAPPING, [
      'PolledEventCount',
      'FilteredOutEventCount',
      'InvokedEventCount',
      'FailedInvokeEventCount',
      'DroppedEventCount',
      'OnFailureDestinationDeliveredEventCount',
    ]),
  ],
)
