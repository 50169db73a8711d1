import { describe, expect, it } from 'vitest'
import { parseEmf } from '../../src/monitor/emf.ts'

const TS = 1_767_225_600_000

function emf(directives: unknown[], members: Record<string, unknown>): string {
  return JSON.stringify({ _aws: { Timestamp: TS, CloudWatchMetrics: directives }, ...members })
}

describe('parseEmf', () => {
  it('extracts one datapoint per dimension set and value', () => {
    const line = emf(
      [
        {
          Namespace: 'Telemetry',
          Dimensions: [['Service'], ['Service', 'Device']],
          Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }, { Name: 'Readings' }],
        },
      ],
      { Service: 'ingest', Device: 'd-1', Latency: [12, 15], Readings: 3, message: 'ok' },
    )
    expect(parseEmf(line)).toEqual([
      {
        namespace: 'Telemetry',
        name: 'Latency',
        dimensions: { Service: 'ingest' },
        value: 12,
        unit: 'Milliseconds',
        timestamp: TS,
      },
      {
        namespace: 'Telemetry',
        name: 'Latency',
        dimensions: { Service: 'ingest' },
        value: 15,
        unit: 'Milliseconds',
        timestamp: TS,
      },
      {
        namespace: 'Telemetry',
        name: 'Latency',
        dimensions: { Service: 'ingest', Device: 'd-1' },
        value: 12,
        unit: 'Milliseconds',
        timestamp: TS,
      },
      {
        namespace: 'Telemetry',
        name: 'Latency',
        dimensions: { Service: 'ingest', Device: 'd-1' },
        value: 15,
        unit: 'Milliseconds',
        timestamp: TS,
      },
      {
        namespace: 'Telemetry',
        name: 'Readings',
        dimensions: { Service: 'ingest' },
        value: 3,
        unit: 'None',
        timestamp: TS,
      },
      {
        namespace: 'Telemetry',
        name: 'Readings',
        dimensions: { Service: 'ingest', Device: 'd-1' },
        value: 3,
        unit: 'None',
        timestamp: TS,
      },
    ])
  })

  it.each([
    ['a plain log line', 'processed 5 records'],
    ['JSON without _aws', '{"level":"info"}'],
    ['truncated JSON', '{"_aws":{"Timestamp":1'],
    ['no Timestamp', JSON.stringify({ _aws: { CloudWatchMetrics: [] } })],
    ['a missing target member', emf([{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'X' }] }], {})],
    [
      'a non-numeric value',
      emf([{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'X' }] }], { X: '1' }),
    ],
    [
      'a non-string dimension value',
      emf([{ Namespace: 'N', Dimensions: [['D']], Metrics: [{ Name: 'X' }] }], { X: 1, D: 2 }),
    ],
    ['an empty namespace', emf([{ Namespace: '', Dimensions: [[]], Metrics: [{ Name: 'X' }] }], { X: 1 })],
    [
      'more than 100 values',
      emf([{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'X' }] }], { X: Array(101).fill(1) }),
    ],
    [
      'more than 30 dimensions in a set',
      emf(
        [
          {
            Namespace: 'N',
            Dimensions: [Array.from({ length: 31 }, (_, i) => `d${i}`)],
            Metrics: [{ Name: 'X' }],
          },
        ],
        { X: 1, ...Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, 'v'])) },
      ),
    ],
  ])('extracts nothing from %s', (_, line) => {
    expect(parseEmf(line)).toEqual([])
  })

  it('publishes without dimensions when the dimension set is empty', () => {
    const line = emf([{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'X', Unit: 'Count' }] }], {
      X: 2,
    })
    expect(parseEmf(line)).toEqual([
      { namespace: 'N', name: 'X', dimensions: {}, value: 2, unit: 'Count', timestamp: TS },
    ])
  })
})
