import { describe, expect, it } from 'vitest'
import { resourcesOfType, synth } from './synth-helpers.ts'

const fn = { handler: 'functions/handler.handler' }

describe('tributary synth: a Kinesis mapping through an enhanced fan-out consumer', () => {
  it('makes one StreamConsumer per stream and name, the mappings read through its ARN, their roles may subscribe', async () => {
    const out = await synth(
      {
        streams: { events: { shardCount: 1 } },
        functions: { a: fn, b: fn },
        mappings: [
          { function: 'a', stream: 'events', consumer: 'fast', startingPosition: 'LATEST' },
          { function: 'b', stream: 'events', consumer: 'fast', startingPosition: 'LATEST' },
        ],
      },
      false,
    )
    const template = out.template
    const consumers = resourcesOfType(template, 'AWS::Kinesis::StreamConsumer')
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    const policies = JSON.stringify(resourcesOfType(template, 'AWS::IAM::Policy'))
    out.dispose()

    expect(consumers).toHaveLength(1)
    expect(consumers[0]!.Properties).toMatchObject({ ConsumerName: 'fast' })
    expect(mappings.map((m) => JSON.stringify(m.Properties!.EventSourceArn))).toEqual([
      expect.stringContaining('ConsumerARN'),
      expect.stringContaining('ConsumerARN'),
    ])
    expect(policies).toContain('kinesis:SubscribeToShard')
    expect(policies).toContain('kinesis:DescribeStreamConsumer')
  })
})
