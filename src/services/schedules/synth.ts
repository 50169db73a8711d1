import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { cdk } from '../../kind/cdk-synth.ts'
import type { SynthFace } from '../../kind/synth.ts'
import type { ScheduleDefinition } from './definition.ts'

const { Rule, RuleTargetInput, Schedule } = cdk.aws_events
const { LambdaFunction } = cdk.aws_events_targets

/**
 * Schedules become EventBridge rules (the same `rate(...)`/`cron(...)` expression, UTC) invoking
 * the function asynchronously, with the constant input when one is declared. The function's
 * asynchronous invoke settings (retries, on-failure destination) apply as under `dev`.
 */
export const scheduleSynth: SynthFace<ScheduleDefinition> = {
  localOnly: [],
  synth(ctx, schedules) {
    for (const { name, config } of schedules) {
      const fn = ctx.get<IFunction>('function', config.function).construct
      const rule = new Rule(ctx.stack, ctx.id('schedule', name), {
        description: `Tributary schedule ${name}`,
        schedule: Schedule.expression(config.schedule),
        enabled: config.enabled,
        targets: [
          new LambdaFunction(
            fn,
            config.input === undefined ? {} : { event: RuleTargetInput.fromObject(config.input) },
          ),
        ],
      })
      ctx.add('schedule', name, { construct: rule, physicalName: rule.ruleName })
    }
  },
}
