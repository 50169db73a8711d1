import { defineNamespace, flows } from './define.ts'

/** AWS/Events: what each schedule (an EventBridge rule) firing did. */
export const Events = defineNamespace(
  'AWS/Events',
  'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html',
  [flows('Count', ['RuleName'], ['TriggeredRules', 'Invocations', 'FailedInvocations'])],
)
