import { describe, expect, it } from 'vitest'
import { BindingEnvCollisionError, bindingEnvironment, bindingEnvName } from '../../src/bindings/aws-env.ts'

describe('binding environment variables', () => {
  it.each([
    ['bucket', 'raw', 'TRIBUTARY_BUCKET_RAW'],
    ['bucket', 'raw-events', 'TRIBUTARY_BUCKET_RAW_EVENTS'],
    ['table', 'device.state', 'TRIBUTARY_TABLE_DEVICE_STATE'],
    ['queue', 'Alerts_v2', 'TRIBUTARY_QUEUE_ALERTS_V2'],
    ['topic', 'alarms', 'TRIBUTARY_TOPIC_ALARMS'],
    ['stream', 'telemetry', 'TRIBUTARY_STREAM_TELEMETRY'],
  ] as const)('%s %s → %s', (kind, name, variable) => {
    expect(bindingEnvName(kind, name)).toBe(variable)
  })

  it('sets the pipeline and one variable per resource, a resource read and written once', () => {
    expect(
      bindingEnvironment('ingest', [
        { kind: 'table', name: 'devices', value: 'ingest-devices-1A2B' },
        { kind: 'table', name: 'devices', value: 'ingest-devices-1A2B' },
        { kind: 'queue', name: 'alerts', value: 'https://sqs.eu-west-1.amazonaws.com/123456789012/alerts' },
      ]),
    ).toEqual({
      TRIBUTARY_PIPELINE: 'ingest',
      TRIBUTARY_TABLE_DEVICES: 'ingest-devices-1A2B',
      TRIBUTARY_QUEUE_ALERTS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/alerts',
    })
  })

  it('rejects two names of one kind sharing a variable', () => {
    const bind = () =>
      bindingEnvironment('p', [
        { kind: 'bucket', name: 'raw-events', value: 'a' },
        { kind: 'bucket', name: 'raw_events', value: 'b' },
      ])
    expect(bind).toThrow(BindingEnvCollisionError)
    expect(bind).toThrowErrorMatchingInlineSnapshot(
      `[BindingEnvCollisionError: raw-events and raw_events would both be bound through TRIBUTARY_BUCKET_RAW_EVENTS: rename one of them]`,
    )
  })
})
