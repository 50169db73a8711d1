import { z } from 'zod'
import { defineKind, type GraphEdgeSpec } from '../../kind/kind.ts'
import { TopicPublisherToken } from '../../kind/tokens.ts'
import { StateStoreToken } from '../../storage/state/token.ts'
import { AlarmsToken, MetricStoreToken } from '../tokens.ts'
import { alarmConfigSchema, alarmDefinitions, DIMENSION_KINDS } from './config.ts'
import { AlarmEvaluator } from './evaluator.ts'
import { alarmMessage } from './message.ts'

/** An alarm's action lists, by the CloudWatch state that triggers them. */
const ALARM_STATES = { alarm: 'ALARM', ok: 'OK', insufficientData: 'INSUFFICIENT_DATA' } as const

/** SNS caps a subject at 100 characters. */
const MAX_SUBJECT = 100

/**
 * CloudWatch alarms over the pipeline's metrics, publishing to topics on state changes. Built
 * after the topics, so stopped before them.
 */
export const alarmKind = defineKind({
  kind: 'alarm',
  section: 'alarms',
  noun: ['alarm', 'alarms'],
  title: 'CloudWatch alarms',
  layout: 'named',
  schema: alarmConfigSchema,
  synth: async () => (await import('./synth.ts')).alarmSynth,
  key: z.string().min(1).max(255),
  references: (a) =>
    Object.entries(a.actions).flatMap(([state, topics]) =>
      topics.map((topic, i) => ({
        path: ['actions', state, i],
        kind: 'topic',
        name: topic,
        label: ALARM_STATES[state as keyof typeof ALARM_STATES] ?? state,
      })),
    ),
  graph: {
    references: false,
    edges: (alarm, name) => {
      const self = `alarm:${name}`
      const edges: GraphEdgeSpec[] = []
      const metrics = alarm.metric
        ? [alarm.metric]
        : (alarm.metrics ?? []).flatMap((q) => (q.metric ? [q.metric] : []))
      for (const metric of metrics)
        for (const [dimension, value] of Object.entries(metric.dimensions)) {
          const kind = DIMENSION_KINDS[dimension]
          if (kind)
            edges.push({
              from: `${kind}:${value}`,
              to: self,
              label: '',
              type: 'metric',
              title: `alarm ${name} watches ${metric.namespace} ${metric.name} of ${kind} ${value}`,
            })
        }
      // One edge per topic, naming every state that notifies it.
      const states = new Map<string, string[]>()
      for (const [field, topics] of Object.entries(alarm.actions))
        for (const topic of topics)
          states.set(topic, [
            ...(states.get(topic) ?? []),
            ALARM_STATES[field as keyof typeof ALARM_STATES] ?? field,
          ])
      for (const [topic, on] of states)
        edges.push({
          from: self,
          to: `topic:${topic}`,
          label: on.join(', '),
          title: `alarm ${name} publishes to topic ${topic} on ${on.join(', ')}`,
        })
      return edges
    },
  },
  dependsOn: ['topic'],
  build(ctx, alarms) {
    const topics = ctx.need(TopicPublisherToken)
    const evaluator = new AlarmEvaluator({
      metrics: ctx.need(MetricStoreToken),
      state: ctx.need(StateStoreToken),
      clock: ctx.clock,
      logger: ctx.logger,
      alarms: alarmDefinitions(Object.fromEntries(alarms.map(({ name, config }) => [name, config]))),
      onTransition: (t) => {
        const message = JSON.stringify(alarmMessage({ ...t, region: ctx.region, account: ctx.account }))
        const subject = `${t.to}: "${t.alarm.name}" in ${ctx.region}`
        for (const topic of t.actions) {
          try {
            topics.publish(topic, message, {
              subject: subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject,
            })
          } catch (error) {
            ctx.logger.error(
              `alarm ${t.alarm.name}: publishing to ${topic} failed: ${(error as Error).message}`,
            )
          }
        }
      },
    })
    ctx.offer(AlarmsToken, evaluator)
    return { evaluator, start: () => evaluator.start(), stop: () => evaluator.stop() }
  },
  summary: ({ evaluator }) => [
    { line: 'alarms', items: evaluator.listAlarms().map((a) => `${a.name}: ${a.state}`) },
  ],
})
