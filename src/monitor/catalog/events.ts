import { defineNamespace, flow } from './define.ts'

const RULE = ['RuleName'] as const

/** AWS/Events: what each schedule (EventBridge rule) firing did. */
export const Events = defineNamespace(
  'AWS/Events',
  'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html',
  {
    TriggeredRules: flow('Count', RULE),
    Invocations: flow('Count', RULE),
    FailedInvocations: flow('Count', RULE),
  },
)
