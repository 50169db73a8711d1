/**
 * The real AWS CLI (Debian's /usr/bin/aws), unchanged, against the server: create a stream, wait
 * for ACTIVE, write with put-record and put-records, list shards, read every shard back and
 * compare bytes and sequence numbers. Skipped, with the reason shown, when the CLI is missing.
 */
import { describe, expect, it } from 'vitest'
import { findAwsCli, requireClient, run } from '../helpers/real-clients.ts'
import { startServer } from '../helpers/server.ts'

const cli = findAwsCli()

interface CliRecord {
  SequenceNumber: string
  Data: string
  PartitionKey: string
}

describe('AWS CLI', () => {
  it('creates a stream, writes and reads records back byte for byte', { timeout: 120_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const t = await startServer()
    const aws = async (...args: string[]) => {
      const out = await run(cli.path, ['kinesis', ...args, '--endpoint-url', t.url, '--output', 'json'])
      return out.trim() === '' ? {} : JSON.parse(out)
    }

    await aws('create-stream', '--stream-name', 'cli', '--shard-count', '2')
    const creating = await aws('describe-stream-summary', '--stream-name', 'cli')
    expect(creating.StreamDescriptionSummary.StreamStatus).toBe('CREATING')
    await t.settle()
    const active = await aws('describe-stream-summary', '--stream-name', 'cli')
    expect(active.StreamDescriptionSummary).toMatchObject({
      StreamName: 'cli',
      StreamStatus: 'ACTIVE',
      OpenShardCount: 2,
    })

    // Raw text in, as the CLI v2 docs recommend.
    const text = 'héllo from the aws cli'
    const one = await aws(
      'put-record',
      '--stream-name',
      'cli',
      '--partition-key',
      'user-1',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--data',
      text,
    )
    expect(one.ShardId).toMatch(/^shardId-00000000000[01]$/)
    // Binary in, as base64.
    const binary = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f])
    const two = await aws(
      'put-record',
      '--stream-name',
      'cli',
      '--partition-key',
      'user-2',
      '--cli-binary-format',
      'base64',
      '--data',
      binary.toString('base64'),
    )
    const batch = Array.from({ length: 20 }, (_, i) => ({
      Data: `batch record ${i} ✓`,
      PartitionKey: `pk-${i}`,
    }))
    const many = await aws(
      'put-records',
      '--stream-name',
      'cli',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--records',
      JSON.stringify(batch),
    )
    expect(many.FailedRecordCount).toBe(0)
    expect(many.Records).toHaveLength(batch.length)

    const expected = new Map<string, Buffer>([
      [one.SequenceNumber, Buffer.from(text)],
      [two.SequenceNumber, binary],
      ...batch.map((b, i) => [many.Records[i].SequenceNumber, Buffer.from(b.Data)] as [string, Buffer]),
    ])
    const shardOf = new Map<string, string>([
      [one.SequenceNumber, one.ShardId],
      [two.SequenceNumber, two.ShardId],
      ...batch.map((_, i) => [many.Records[i].SequenceNumber, many.Records[i].ShardId] as [string, string]),
    ])

    const { Shards } = await aws('list-shards', '--stream-name', 'cli')
    expect(Shards.map((s: { ShardId: string }) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ])

    const read = new Map<string, Buffer>()
    for (const shard of Shards as { ShardId: string }[]) {
      const { ShardIterator } = await aws(
        'get-shard-iterator',
        '--stream-name',
        'cli',
        '--shard-id',
        shard.ShardId,
        '--shard-iterator-type',
        'TRIM_HORIZON',
      )
      const got = await aws('get-records', '--shard-iterator', ShardIterator)
      expect(got.MillisBehindLatest).toBe(0)
      expect(typeof got.NextShardIterator).toBe('string')
      const records = got.Records as CliRecord[]
      const seqs = records.map((r) => BigInt(r.SequenceNumber))
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true)
      for (const r of records) {
        expect(shardOf.get(r.SequenceNumber), `record ${r.SequenceNumber} read from ${shard.ShardId}`).toBe(
          shard.ShardId,
        )
        // The CLI prints blobs as base64.
        read.set(r.SequenceNumber, Buffer.from(r.Data, 'base64'))
      }
    }
    expect(read).toEqual(expected)
  })
})
