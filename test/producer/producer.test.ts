import { createHash } from 'node:crypto'
import { ListShardsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  deaggregate,
  decompress,
  KinesisProducer,
  ProducerClosedError,
  type UserRecordResult,
} from '../../src/producer/index.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { oracleDeaggregate, readStream } from './helpers.ts'

const credentials = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'secret' }

async function served(shardCount = 4, extra: object = {}) {
  return startPipeline(
    { name: 'producer', streams: { events: { shardCount } }, ...extra },
    { serve: true, teardown: onTestFinished },
  )
}

function producer(endpoint: string, config: Partial<ConstructorParameters<typeof KinesisProducer>[0]> = {}) {
  const p = new KinesisProducer({
    streamName: 'events',
    endpoint,
    credentials,
    clock: new ManualClock(),
    ...config,
  })
  onTestFinished(() => p.close())
  return p
}

const md5 = (key: string) => BigInt(`0x${createHash('md5').update(key).digest('hex')}`)

describe('KinesisProducer against a served pipeline', () => {
  it('aggregates per shard in the KPL format: aws-kinesis-agg decodes every record, each in its key’s shard', async () => {
    const p = await served(4)
    const kpl = producer(p.endpoint!)
    const sent = Array.from({ length: 400 }, (_, i) => ({
      partitionKey: `device-${i % 37}`,
      data: `reading ${i}`,
    }))
    const tickets = []
    for (const r of sent) tickets.push(await kpl.put(r))
    await kpl.flush()
    const results = await Promise.all(tickets.map((t) => t.result))
    expect(results.every((r) => r.successful)).toBe(true)

    const ranges = new Map(
      ((await p.kinesis!.send(new ListShardsCommand({ StreamName: 'events' }))).Shards ?? []).map((s) => [
        s.ShardId!,
        [BigInt(s.HashKeyRange!.StartingHashKey!), BigInt(s.HashKeyRange!.EndingHashKey!)] as const,
      ]),
    )
    const got = new Map<string, { shardId: string; sequenceNumber: string; sub?: number; key: string }>()
    let kinesisRecords = 0
    for (const [shardId, records] of await readStream(p.kinesis!, 'events')) {
      for (const record of records) {
        kinesisRecords++
        const oracle = oracleDeaggregate(record)
        const ours = deaggregate(record)
        expect(ours.map((u) => u.data.toString())).toEqual(
          oracle.map((u) => Buffer.from(u.data, 'base64').toString()),
        )
        for (const user of ours) {
          const [start, end] = ranges.get(shardId)!
          const hash = md5(user.partitionKey)
          expect(hash >= start && hash <= end, `${user.partitionKey} in ${shardId}`).toBe(true)
          got.set(user.data.toString(), {
            shardId,
            sequenceNumber: record.SequenceNumber!,
            sub: user.subSequenceNumber,
            key: user.partitionKey,
          })
        }
      }
    }
    expect(got.size).toBe(400)
    expect(kinesisRecords).toBeLessThan(40) // aggregated: a few records per shard, not 400
    sent.forEach((r, i) => {
      const result = results[i]!
      if (!result.successful) throw new Error('unreachable')
      expect(got.get(r.data as string)).toEqual({
        shardId: result.shardId,
        sequenceNumber: result.sequenceNumber,
        sub: result.subSequenceNumber,
        key: r.partitionKey,
      })
      expect(result.attempts).toHaveLength(1)
    })
    const m = kpl.metrics()
    expect(m).toMatchObject({
      UserRecordsReceived: 400,
      UserRecordsPut: 400,
      UserRecordsPending: 0,
      AllErrors: 0,
    })
    expect(m.KinesisRecordsPut).toBe(kinesisRecords)
    expect(m.UserRecordsPerKinesisRecord.sum).toBe(400)
  })

  it('explicit hash keys land in the shard whose range holds them', async () => {
    const p = await served(3)
    const kpl = producer(p.endpoint!)
    await kpl.ready()
    const shards = (await p.kinesis!.send(new ListShardsCommand({ StreamName: 'events' }))).Shards ?? []
    const tickets = []
    for (const s of shards) {
      const start = BigInt(s.HashKeyRange!.StartingHashKey!)
      const end = BigInt(s.HashKeyRange!.EndingHashKey!)
      for (const key of [start, end, (start + end) / 2n])
        tickets.push({
          shardId: s.ShardId!,
          ticket: await kpl.put({
            partitionKey: 'same-key',
            explicitHashKey: key.toString(),
            data: `to ${s.ShardId}`,
          }),
        })
    }
    await kpl.flush()
    for (const { shardId, ticket } of tickets)
      expect(await ticket.result).toMatchObject({ successful: true, shardId })
    for (const [shardId, records] of await readStream(p.kinesis!, 'events')) {
      const users = records.flatMap((r) => deaggregate(r))
      expect(users.map((u) => u.data.toString())).toEqual([`to ${shardId}`, `to ${shardId}`, `to ${shardId}`])
    }
  })

  it('with aggregation off, every user record is its own Kinesis record, batched into PutRecords', async () => {
    const p = await served(2)
    const kpl = producer(p.endpoint!, { aggregationEnabled: false })
    const tickets = []
    for (let i = 0; i < 50; i++) tickets.push(await kpl.put({ partitionKey: `k${i}`, data: `plain ${i}` }))
    await kpl.flush()
    for (const t of tickets)
      expect((await t.result).successful && (await t.result)).not.toHaveProperty('subSequenceNumber')
    const all = [...(await readStream(p.kinesis!, 'events')).values()].flat()
    expect(all.map((r) => Buffer.from(r.Data!).toString()).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `plain ${i}`).sort(),
    )
    expect(kpl.metrics().KinesisRecordsPerPutRecordsRequest.count).toBe(1)
  })

  it('Tributary’s Firehose de-aggregation reads the producer’s aggregates into the lake', async () => {
    const p = await served(1, {
      buckets: { lake: {} },
      deliveries: {
        out: {
          stream: 'events',
          bucket: 'lake',
          prefix: 'out/',
          deaggregation: true,
          appendNewline: true,
          startingPosition: 'TRIM_HORIZON',
          bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
        },
      },
    })
    const kpl = producer(p.endpoint!)
    for (let i = 0; i < 30; i++) await kpl.put({ partitionKey: `k${i % 3}`, data: JSON.stringify({ i }) })
    await kpl.flush()
    expect(kpl.metrics().KinesisRecordsPut).toBe(1)
    await p.advance(61_000)
    const rows = (await p.lake.rowsUnder('lake', 'out/')) as { i: number }[]
    expect(rows.map((r) => r.i)).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })

  it('compression is application-level: gzip on the wire, decompress gives the data back', async () => {
    const p = await served(1)
    const kpl = producer(p.endpoint!, { compression: 'gzip', aggregationEnabled: false })
    const text = JSON.stringify({ message: 'x'.repeat(2000) })
    const { result } = await kpl.put({ partitionKey: 'k', data: text })
    await kpl.flush()
    expect((await result).successful).toBe(true)
    const [record] = [...(await readStream(p.kinesis!, 'events')).values()].flat()
    expect(record!.Data!.length).toBeLessThan(200)
    expect(decompress(record!.Data!).toString()).toBe(text)
    expect(decompress(Buffer.from('plain')).toString()).toBe('plain')
  })

  it('back-pressure: put waits while maxOutstandingRecords are outstanding, which is never exceeded', async () => {
    const p = await served(1)
    const clock = new ManualClock()
    const kpl = producer(p.endpoint!, { clock, maxOutstandingRecords: 5 })
    let highest = 0
    const puts: Promise<unknown>[] = []
    let accepted = 0
    for (let i = 0; i < 12; i++)
      puts.push(
        kpl.put({ partitionKey: 'k', data: `r${i}` }).then((t) => {
          accepted++
          highest = Math.max(highest, kpl.outstandingRecords)
          return t.result
        }),
      )
    await expect.poll(() => accepted).toBe(5)
    // Nothing is sent before RecordMaxBufferedTime passes on the (manual) clock: puts 6..12 wait.
    expect(kpl.outstandingRecords).toBe(5)
    await expect
      .poll(() => {
        clock.advance(100)
        return accepted
      })
      .toBe(12)
    await kpl.flush()
    await Promise.all(puts)
    expect(highest).toBeLessThanOrEqual(5)
    expect(kpl.metrics().UserRecordsPut).toBe(12)
  })

  it('flush sends at once; close flushes, then put throws', async () => {
    const p = await served(1)
    const kpl = producer(p.endpoint!, { recordMaxBufferedTime: 60_000 })
    const { result } = await kpl.put({ partitionKey: 'k', data: 'first' })
    await kpl.flush()
    expect(await result).toMatchObject({ successful: true })
    const second = await kpl.put({ partitionKey: 'k', data: 'second' })
    await kpl.close()
    expect(await second.result).toMatchObject({ successful: true })
    await expect(kpl.put({ partitionKey: 'k', data: 'late' })).rejects.toBeInstanceOf(ProducerClosedError)
    const all = [...(await readStream(p.kinesis!, 'events')).values()].flat()
    expect(all.map((r) => Buffer.from(r.Data!).toString())).toEqual(['first', 'second'])
  })

  it('onResult: one callback hears every result before flush resolves; a ticket read afterwards has the same result', async () => {
    const p = await served(2)
    const kpl = producer(p.endpoint!, { recordMaxBufferedTime: 60_000 })
    const heard: UserRecordResult[] = []
    const onResult = (r: UserRecordResult) => heard.push(r)
    const tickets = []
    for (let i = 0; i < 20; i++)
      tickets.push(await kpl.put({ partitionKey: `k${i}`, data: `r${i}` }, onResult))
    // Read before the result: the promise and the callback both hear it.
    const early = tickets[0]!.result
    expect(heard).toHaveLength(0)
    await kpl.flush()
    expect(heard).toHaveLength(20)
    expect(heard.every((r) => r.successful && r.attempts.length === 1)).toBe(true)
    expect(kpl.outstandingRecords).toBe(0)
    expect(heard).toContain(await early)
    // Read after the result: the ticket still has it.
    expect(heard).toContain(await tickets[7]!.result)
    expect(new Set(heard).size).toBe(20)
    const all = [...(await readStream(p.kinesis!, 'events')).values()].flat()
    const users = all.flatMap((r) => deaggregate(r).map((u) => Buffer.from(u.data).toString()))
    expect(users.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort())
  })

  it('a stream that does not exist fails its records with ResourceNotFoundException', async () => {
    const p = await served(1)
    const kpl = producer(p.endpoint!, { streamName: 'nope' })
    const { result } = await kpl.put({ partitionKey: 'k', data: 'x' })
    expect(await result).toMatchObject({ successful: false, errorCode: 'ResourceNotFoundException' })
    await expect(kpl.ready()).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })
})
