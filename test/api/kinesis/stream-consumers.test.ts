import {
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { ACCOUNT, arnOf, expectAwsError, invalidArgument, notFound } from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const register = (t: TestServer, name: string, stream = 's') =>
  t.client.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf(stream), ConsumerName: name }))

const status = async (t: TestServer, arn: string) =>
  (await t.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }))).ConsumerDescription
    ?.ConsumerStatus

describe('RegisterStreamConsumer / DescribeStreamConsumer / DeregisterStreamConsumer', () => {
  it('registers a consumer CREATING, ACTIVE once the delay passed, with an ARN naming stream, name and second', async () => {
    const t = await startServer({ startTime: Date.UTC(2026, 4, 1, 12, 0, 0, 250) })
    await createActiveStream(t, 's')
    const seconds = Math.floor(t.clock.now() / 1000)

    const { Consumer } = await register(t, 'reader')
    const creating = await status(t, Consumer!.ConsumerARN!)
    await t.settle(500)
    const byName = await t.client.send(
      new DescribeStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'reader' }),
    )

    expect(Consumer).toEqual({
      ConsumerName: 'reader',
      ConsumerARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s/consumer/reader:${seconds}`,
      ConsumerStatus: 'CREATING',
      ConsumerCreationTimestamp: new Date(seconds * 1000),
    })
    expect(creating).toBe('CREATING')
    expect(byName.ConsumerDescription).toEqual({
      ...Consumer,
      ConsumerStatus: 'ACTIVE',
      StreamARN: arnOf('s'),
    })
  })

  it('deregisters: DELETING, then gone; the name can be registered again under a new ARN', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const first = (await register(t, 'reader')).Consumer!.ConsumerARN!
    await t.settle(2_000)

    await t.client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: first }))
    const deleting = await status(t, first)
    await t.settle(500)
    const gone = t.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: first }))
    await expectAwsError(gone, { name: 'ResourceNotFoundException', message: `Consumer ${first} not found.` })
    const second = (await register(t, 'reader')).Consumer!.ConsumerARN!

    expect(deleting).toBe('DELETING')
    expect(second).not.toBe(first)
    await expectAwsError(t.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: first })), {
      name: 'ResourceNotFoundException',
      message: `Consumer ${first} not found.`,
    })
  })

  it('refuses a name already registered, a 21st consumer and a 6th one CREATING at once', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    for (let i = 0; i < 5; i++) await register(t, `c${i}`)

    await expectAwsError(register(t, 'c0'), {
      name: 'ResourceInUseException',
      message: `Consumer c0 under stream s and account ${ACCOUNT} already exists.`,
    })
    await expectAwsError(register(t, 'c5'), {
      name: 'LimitExceededException',
      message: `This request would exceed the limit of 5 consumers in CREATING status for stream s under account ${ACCOUNT}.`,
    })
    for (let i = 5; i < 20; i += 5) {
      await t.settle()
      for (let k = i; k < i + 5; k++) await register(t, `c${k}`)
    }
    await t.settle()
    await expectAwsError(register(t, 'c20'), {
      name: 'LimitExceededException',
      message: `This request would exceed the limit of 20 consumers registered with stream s under account ${ACCOUNT}.`,
    })
  })

  it('answers AWS errors for missing streams, missing consumers and incomplete designations', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')

    await expectAwsError(register(t, 'c', 'nope'), notFound('nope'))
    await expectAwsError(
      t.client.send(new DescribeStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'absent' })),
      {
        name: 'ResourceNotFoundException',
        message: `Consumer absent under stream s and account ${ACCOUNT} not found.`,
      },
    )
    await expectAwsError(
      t.client.send(new DeregisterStreamConsumerCommand({ ConsumerName: 'c' })),
      invalidArgument('ConsumerARN or both ConsumerName and StreamARN are required for this request.'),
    )
    await expectAwsError(
      t.client.send(
        new DescribeStreamConsumerCommand({ ConsumerARN: 'arn:aws:kinesis:us-east-1:123:stream/x' }),
      ),
      {
        name: 'ValidationException',
        message:
          "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:123:stream/x' at 'consumerARN' failed to satisfy constraint: " +
          'Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
      },
    )
  })

  it('counts consumers in DescribeStreamSummary; DeleteStream needs EnforceConsumerDeletion, which deletes them', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    await register(t, 'a')
    await register(t, 'b')

    const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' }))
    await expectAwsError(t.client.send(new DeleteStreamCommand({ StreamName: 's' })), {
      name: 'ResourceInUseException',
      message: `Stream s under account ${ACCOUNT} has registered consumers. Deregister them first, or set EnforceConsumerDeletion.`,
    })
    await t.client.send(new DeleteStreamCommand({ StreamName: 's', EnforceConsumerDeletion: true }))
    await t.settle()
    await createActiveStream(t, 's')
    const after = await t.client.send(new ListStreamConsumersCommand({ StreamARN: arnOf('s') }))

    expect(summary.StreamDescriptionSummary?.ConsumerCount).toBe(2)
    expect(after.Consumers).toEqual([])
  })
})

describe('ListStreamConsumers', () => {
  it('lists by name and pages with MaxResults and NextToken', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    for (const name of ['d', 'b', 'a', 'c', 'e']) await register(t, name)

    const first = await t.client.send(
      new ListStreamConsumersCommand({ StreamARN: arnOf('s'), MaxResults: 2 }),
    )
    const second = await t.client.send(
      new ListStreamConsumersCommand({ StreamARN: arnOf('s'), MaxResults: 2, NextToken: first.NextToken }),
    )
    const last = await t.client.send(
      new ListStreamConsumersCommand({ StreamARN: arnOf('s'), NextToken: second.NextToken }),
    )

    expect(first.Consumers?.map((c) => c.ConsumerName)).toEqual(['a', 'b'])
    expect(second.Consumers?.map((c) => c.ConsumerName)).toEqual(['c', 'd'])
    expect(last.Consumers?.map((c) => c.ConsumerName)).toEqual(['e'])
    expect(last.NextToken).toBeUndefined()
    expect(first.Consumers?.[0]).toMatchObject({ ConsumerStatus: 'CREATING' })
  })

  it('refuses a StreamCreationTimestamp of another incarnation, and a token past 300 s', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    for (const name of ['a', 'b']) await register(t, name)
    const page = await t.client.send(new ListStreamConsumersCommand({ StreamARN: arnOf('s'), MaxResults: 1 }))

    await expectAwsError(
      t.client.send(
        new ListStreamConsumersCommand({ StreamARN: arnOf('s'), StreamCreationTimestamp: new Date(1_000) }),
      ),
      notFound('s'),
    )
    t.clock.advance(300_001)
    await expectAwsError(
      t.client.send(new ListStreamConsumersCommand({ StreamARN: arnOf('s'), NextToken: page.NextToken })),
      {
        name: 'ExpiredNextTokenException',
        message: `The timestamp of the given NextToken has expired: ${page.NextToken}`,
      },
    )
  })
})

describe('consumers are durable', () => {
  it('keeps consumers, their state and ARNs across a restart', async () => {
    const first = await startServer()
    await createActiveStream(first, 's')
    const arn = (await register(first, 'reader')).Consumer!.ConsumerARN!
    await first.settle()
    await first.close()

    const second = await startServer({ dataDir: first.dataDir, startTime: first.clock.now() })
    const described = await second.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }))

    expect(described.ConsumerDescription).toMatchObject({ ConsumerName: 'reader', ConsumerStatus: 'ACTIVE' })
  })
})
