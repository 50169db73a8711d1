import {
  CreateDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose'
import { describe, expect, it } from 'vitest'
import { ACCOUNT, ROLE, s3Stream, startFirehoseServer, wireError } from './firehose-server.ts'

async function activeStream(name: string) {
  const t = await startFirehoseServer()
  await t.client.send(new CreateDeliveryStreamCommand(s3Stream(name)))
  t.delivery.activate()
  return t
}

describe('PutRecord', () => {
  it('hands the decoded bytes to the delivery runtime and returns its record id', async () => {
    const t = await activeStream('events')
    const data = Buffer.from([0, 1, 2, 250, 255, 10])

    const out = await t.client.send(
      new PutRecordCommand({ DeliveryStreamName: 'events', Record: { Data: data } }),
    )

    expect(out).toMatchObject({ RecordId: 'record-1', Encrypted: false })
    expect(t.delivery.records.get('events')).toEqual([data])
  })

  it('takes a record of exactly 1,000 KiB and an empty one', async () => {
    const t = await activeStream('events')

    await t.client.send(
      new PutRecordCommand({ DeliveryStreamName: 'events', Record: { Data: Buffer.alloc(1_024_000, 7) } }),
    )
    await t.client.send(
      new PutRecordCommand({ DeliveryStreamName: 'events', Record: { Data: Buffer.alloc(0) } }),
    )

    expect(t.delivery.records.get('events')!.map((r) => r.length)).toEqual([1_024_000, 0])
  })

  it('is refused while the stream is CREATING and when it reads a Kinesis stream', async () => {
    const t = await startFirehoseServer()
    await t.client.send(new CreateDeliveryStreamCommand(s3Stream('young')))
    t.engine.createStream('clicks', { shardCount: 1 })
    await t.client.send(
      new CreateDeliveryStreamCommand({
        ...s3Stream('from-kinesis'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
          RoleARN: ROLE,
        },
      }),
    )
    t.delivery.streams.get('from-kinesis')!.status = 'ACTIVE'
    const record = { Data: Buffer.from('x') }

    expect(
      await wireError(t.client.send(new PutRecordCommand({ DeliveryStreamName: 'young', Record: record }))),
    ).toMatchInlineSnapshot(`
        {
          "__type": "ResourceNotFoundException",
          "message": "Firehose young under account 000000000000 not found.",
          "status": 400,
        }
      `)
    expect(
      await wireError(
        t.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'from-kinesis', Records: [record] })),
      ),
    ).toMatchInlineSnapshot(`
      {
        "__type": "InvalidArgumentException",
        "message": "This operation is not permitted on KinesisStreamAsSource delivery stream type.",
        "status": 400,
      }
    `)
    expect(t.delivery.records.get('from-kinesis')).toEqual([])
  })
})

describe('PutRecordBatch', () => {
  it('returns one record id per record, in order', async () => {
    const t = await activeStream('events')
    const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.from(`{"n":${i}}\n`) }))

    const out = await t.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'events', Records: records }),
    )

    expect(out.FailedPutCount).toBe(0)
    expect(out.Encrypted).toBe(false)
    expect(out.RequestResponses!.map((r) => r.RecordId)).toEqual(records.map((_, i) => `record-${i + 1}`))
    expect(t.delivery.records.get('events')!.map(String)).toEqual(records.map((r) => String(r.Data)))
  })

  it('takes exactly 4 MiB in a batch and refuses one byte more', async () => {
    const t = await activeStream('events')
    const fourMiB = [
      ...Array.from({ length: 4 }, () => ({ Data: Buffer.alloc(1_024_000) })),
      { Data: Buffer.alloc(98_304) },
    ]

    await t.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'events', Records: fourMiB }))
    const over = [...fourMiB, { Data: Buffer.alloc(1) }]

    expect(
      await wireError(
        t.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'events', Records: over })),
      ),
    ).toMatchInlineSnapshot(`
        {
          "__type": "InvalidArgumentException",
          "message": "Records size exceeds 4 MB limit",
          "status": 400,
        }
      `)
    expect(t.delivery.records.get('events')).toHaveLength(5)
  })
})
