import { defineKind } from '../../kind/kind.ts'
import { AsyncInvokeToken } from '../../kind/tokens.ts'
import { MetricsToken } from '../../monitor/tokens.ts'
import { scheduleSchema } from './definition.ts'
import { Scheduler } from './scheduler.ts'

/** EventBridge schedules: each fire hands an event to the function's asynchronous invoke. */
export const scheduleKind = defineKind({
  kind: 'schedule',
  section: 'schedules',
  noun: ['schedule', 'schedules'],
  title: 'Schedules (EventBridge)',
  layout: 'named',
  schema: scheduleSchema,
  synth: async () => (await import('./synth.ts')).scheduleSynth,
  references: (s) => [{ path: ['function'], kind: 'function', name: s.function, label: 'trigger' }],
  dependsOn: ['function'],
  build(ctx, schedules) {
    const asyncInvoke = ctx.need(AsyncInvokeToken)
    const scheduler = new Scheduler(
      schedules.map(({ name, config }) => ({
        name,
        expression: config.schedule,
        functionName: config.function,
        input: config.input,
        enabled: config.enabled,
      })),
      {
        clock: ctx.clock,
        metrics: ctx.need(MetricsToken),
        logger: ctx.logger,
        region: ctx.region,
        account: ctx.account,
        enqueue: (fn, event) => asyncInvoke.enqueue(fn, event),
      },
    )
    return { scheduler, start: () => scheduler.start(), stop: () => scheduler.stop() }
  },
})
