/**
 * The producer against a `tributary serve` child that is SIGKILLed mid-run and restarted on the
 * same data directory and port: every record the producer acknowledged is in the stream at its
 * (shard, sequence number, sub-sequence number) with its bytes, and every other record was
 * retried into the stream or reported as failed, none silently lost.
 */
import { CreateStreamCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { deaggregate, KinesisProducer, type UserRecordResult } from '../../src/producer/index.ts'
import { freePort, spawnServer } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'
import { readStream } from './helpers.ts'

const TOTAL = 3000

describe('producer across a server SIGKILL', () => {
  it('acknowledged records are present; the rest are retried after the restart or reported', async () => {
    const port = await freePort()
    const args = ['--port', String(port), '--data-dir', await tempDir(), '--create-stream-ms', '0']
    let server = spawnServer(args)
    const url = await server.ready
    const admin = kinesisClient(url)
    await admin.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }))
    await waitUntilStreamExists(
      { client: admin, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.2 },
      { StreamName: 'events' },
    )
    admin.destroy()

    const kpl = new KinesisProducer({
      streamName: 'events',
      endpoint: url,
      credentials: { accessKeyId: 'AKIDKILL', secretAccessKey: 'secret' },
      recordTtl: 120_000,
      requestTimeout: 5_000,
      retryMaxDelay: 500,
      maxOutstandingRecords: 500,
    })
    onTestFinished(() => kpl.close())
    const results = new Map<string, UserRecordResult>()
    let acked = 0
    let killed = false
    let restarted = false
    const restart = async () => {
      await server.kill('SIGKILL')
      killed = true
      // Restart once the producer has seen the server gone (its calls fail).
      await expect.poll(() => kpl.metrics().AllErrors, { timeout: 60_000 }).toBeGreaterThan(0)
      server = spawnServer(args)
      await server.ready
      restarted = true
    }
    let restarting: Promise<void> | undefined
    for (let i = 0; i < TOTAL; i++) {
      const data = `record-${i}`
      const ticket = await kpl.put({ partitionKey: `key-${i % 50}`, data })
      void ticket.result.then((r) => {
        results.set(data, r)
        if (r.successful) acked++
        if (acked >= 1000 && !restarting) restarting = restart()
      })
    }
    await expect.poll(() => restarted, { timeout: 120_000 }).toBe(true)
    await kpl.flush()
    expect(results.size).toBe(TOTAL)
    expect(killed).toBe(true)

    const present = new Map<string, { shardId: string; sequenceNumber: string; sub?: number }[]>()
    const reader = kinesisClient(url)
    for (const [shardId, records] of await readStream(reader, 'events'))
      for (const record of records)
        for (const user of deaggregate(record)) {
          const list = present.get(user.data.toString()) ?? []
          list.push({ shardId, sequenceNumber: record.SequenceNumber!, sub: user.subSequenceNumber })
          present.set(user.data.toString(), list)
        }
    reader.destroy()
    let retried = 0
    let failed = 0
    for (const [data, r] of results) {
      if (r.successful) {
        expect(present.get(data), data).toContainEqual({
          shardId: r.shardId,
          sequenceNumber: r.sequenceNumber,
          sub: r.subSequenceNumber,
        })
        if (r.attempts.length > 1) retried++
      } else failed++
    }
    // The kill happened mid-run: some records needed more than one attempt.
    expect(retried).toBeGreaterThan(0)
    // With a 120 s TTL nothing had to be given up.
    expect(failed).toBe(0)
  }, 240_000)
})
