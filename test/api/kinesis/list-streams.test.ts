import { CreateStreamCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { arnOf, expectAwsError, validation } from '../../helpers/kinesis.ts'
import { startServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)

describe('ListStreams', () => {
  it('lists nothing when there are no streams', async () => {
    const t = await startServer()

    const out = await t.client.send(new ListStreamsCommand({}))

    expect(out.StreamNames).toEqual([])
    expect(out.StreamSummaries).toEqual([])
    expect(out.HasMoreStreams).toBe(false)
    expect(out.NextToken).toBeUndefined()
  })

  it('lists names in order with a summary of each stream', async () => {
    const t = await startServer({ startTime: START })
    await t.client.send(new CreateStreamCommand({ StreamName: 'beta', ShardCount: 1 }))
    await t.settle()
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'alpha', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )

    const out = await t.client.send(new ListStreamsCommand({}))

    expect(out.StreamNames).toEqual(['alpha', 'beta'])
    expect(out.HasMoreStreams).toBe(false)
    expect(out.StreamSummaries).toEqual([
      {
        StreamName: 'alpha',
        StreamARN: arnOf('alpha'),
        StreamStatus: 'CREATING',
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        StreamCreationTimestamp: new Date(START + 1000),
      },
      {
        StreamName: 'beta',
        StreamARN: arnOf('beta'),
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        StreamCreationTimestamp: new Date(START),
      },
    ])
  })

  it('pages with Limit and NextToken, and with ExclusiveStartStreamName', async () => {
    const t = await startServer()
    for (const name of ['e', 'c', 'a', 'd', 'b']) t.engine.createStream(name, { shardCount: 1 })

    const first = await t.client.send(new ListStreamsCommand({ Limit: 2 }))
    const second = await t.client.send(new ListStreamsCommand({ NextToken: first.NextToken }))
    const after = await t.client.send(new ListStreamsCommand({ ExclusiveStartStreamName: 'b', Limit: 2 }))

    expect([first.StreamNames, first.HasMoreStreams]).toEqual([['a', 'b'], true])
    expect(first.NextToken).toEqual(expect.any(String))
    expect(first.StreamSummaries!.map((s) => s.StreamName)).toEqual(['a', 'b'])
    expect([second.StreamNames, second.HasMoreStreams]).toEqual([['c', 'd', 'e'], false])
    expect(second.NextToken).toBeUndefined()
    expect([after.StreamNames, after.HasMoreStreams]).toEqual([['c', 'd'], true])
  })

  it('returns at most 100 streams per call whatever Limit says', async () => {
    const t = await startServer()
    for (let i = 0; i < 101; i++) t.engine.createStream(`s${String(i).padStart(3, '0')}`, { shardCount: 1 })

    const out = await t.client.send(new ListStreamsCommand({ Limit: 500 }))
    const next = await t.client.send(new ListStreamsCommand({ NextToken: out.NextToken }))

    expect(out.StreamNames).toHaveLength(100)
    expect(out.HasMoreStreams).toBe(true)
    expect(next.StreamNames).toEqual(['s100'])
  })

  it('refuses a NextToken older than 300 seconds', async () => {
    const t = await startServer()
    for (const name of ['a', 'b']) t.engine.createStream(name, { shardCount: 1 })
    const { NextToken } = await t.client.send(new ListStreamsCommand({ Limit: 1 }))
    t.clock.advance(300_001)

    await expectAwsError(t.client.send(new ListStreamsCommand({ NextToken })), {
      name: 'ExpiredNextTokenException',
      message: `The timestamp of the given NextToken has expired: ${NextToken}`,
    })
  })

  it.each([
    [
      'Limit 0',
      { Limit: 0 },
      validation(
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'Limit 10001',
      { Limit: 10001 },
      validation(
        "Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      ),
    ],
    [
      'a malformed ExclusiveStartStreamName',
      { ExclusiveStartStreamName: 'a/b' },
      validation(
        "Value 'a/b' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      ),
    ],
    [
      'a NextToken this server did not issue',
      { NextToken: 'bm90LWEtdG9rZW4tYXQtYWxsLXJlYWxseQ' },
      {
        name: 'InvalidArgumentException',
        message: 'Invalid NextToken: bm90LWEtdG9rZW4tYXQtYWxsLXJlYWxseQ',
      },
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()

    await expectAwsError(t.client.send(new ListStreamsCommand(input)), expected)
  })
})
