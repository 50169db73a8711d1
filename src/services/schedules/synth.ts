import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events'
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { SynthFace } from '../../kind/synth.ts'
import type { ScheduleDefinition } from './definition.ts'

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
