import { createHash } from 'node:crypto'
import * as Kinesis from '@aws-sdk/client-kinesis'
import {
  type _Record,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis'
import { expect } from 'vitest'
import type { TestServer } from './server.ts'

/** The account and region every test server runs as (the engine's defaults). */
export const ACCOUNT = '000000000000'
export const REGION = 'us-east-1'
export const MAX_HASH = (1n << 128n) - 1n

export function arnOf(name: string, account = ACCOUNT, region = REGION): string {
  return `arn:aws:kinesis:${region}:${account}:stream/${name}`
}

/** A number written in hex (sequence numbers in AWS's recordings are given that way), in decimal. */
export const fromHex = (hex: string): string => BigInt(`0x${hex}`).toString(10)

/** GetShardIterator AT_SEQUENCE_NUMBER on a shard of stream `s` (the sequence-number error cases). */
export function iteratorAtSequence(t: TestServer, shard: number, sequence: string | undefined, stream = 's') {
  return t.client.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId(shard),
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequence,
    }),
  )
}

/** `shardId-` and the index, 12 digits, as AWS names shards. */
export function shardId(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`
}

export const notFound = (name: string, account = ACCOUNT) => ({
  name: 'ResourceNotFoundException',
  message: `Stream ${name} under account ${account} not found.`,
})

export const notActive = (name: string, state: string) => ({
  name: 'ResourceInUseException',
  message: `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`,
})

export const validation = (...violations: string[]) => ({
  name: 'ValidationException',
  message: `${violations.length} validation error${violations.length > 1 ? 's' : ''} detected: ${violations.join('; ')}`,
})

export const invalidArgument = (message: string) => ({ name: 'InvalidArgumentException', message })

export interface ExpectedError {
  name: string
  message: string
  /** HTTP status; 400 unless given. */
  status?: number
}

/** Asserts that `promise` rejects with exactly this AWS error type, message and HTTP status. */
export async function expectAwsError(promise: Promise<unknown>, expected: ExpectedError): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  if (outcome.ok) expect.fail(`expected ${expected.name}, but the call succeeded`)
  const e = outcome.error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  expect({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }).toEqual({
    name: expected.name,
    message: expected.message,
    status: expected.status ?? 400,
  })
}

type CommandClass = new (input: object) => Parameters<Kinesis.KinesisClient['send']>[0]

/** Sends the named Kinesis operation (for table tests that cover many operations). */
export function send(t: TestServer, operation: string, input: object): Promise<unknown> {
  const Command = (Kinesis as unknown as Record<string, CommandClass>)[`${operation}Command`]
  if (!Command) throw new Error(`no command for ${operation}`)
  return t.client.send(new Command(input))
}

export async function streamStatus(t: TestServer, name: string): Promise<string | undefined> {
  const out = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))
  return out.StreamDescriptionSummary?.StreamStatus
}

export async function describeShards(t: TestServer, name: string): Promise<Shard[]> {
  const out = await t.client.send(new DescribeStreamCommand({ StreamName: name }))
  return out.StreamDescription!.Shards!
}

export async function iteratorFor(
  t: TestServer,
  input: Omit<GetShardIteratorCommandInput, 'ShardIteratorType'> & {
    ShardIteratorType?: GetShardIteratorCommandInput['ShardIteratorType']
  },
): Promise<string> {
  const out = await t.client.send(
    new GetShardIteratorCommand({
      ShardIteratorType: 'TRIM_HORIZON',
      ...input,
    } as GetShardIteratorCommandInput),
  )
  expect(out.ShardIterator).toEqual(expect.any(String))
  return out.ShardIterator!
}

export interface ReadResult {
  records: _Record[]
  /** The last GetRecords response (NextShardIterator, ChildShards, MillisBehindLatest). */
  last: GetRecordsCommandOutput
}

/**
 * Reads from `iterator` until the shard is drained: an empty page on an open shard, or no
 * NextShardIterator at the end of a closed one.
 */
export async function readAll(t: TestServer, iterator: string, limit?: number): Promise<ReadResult> {
  const records: _Record[] = []
  let next: string | undefined = iterator
  for (let page = 0; page < 1000; page++) {
    const last: GetRecordsCommandOutput = await t.client.send(
      new GetRecordsCommand({ ShardIterator: next, Limit: limit }),
    )
    records.push(...last.Records!)
    next = last.NextShardIterator
    if (next === undefined || last.Records!.length === 0) return { records, last }
  }
  throw new Error('shard did not drain in 1000 pages')
}

export async function readShard(
  t: TestServer,
  stream: string,
  shard: string,
  type: GetShardIteratorCommandInput['ShardIteratorType'] = 'TRIM_HORIZON',
): Promise<ReadResult> {
  return readAll(t, await iteratorFor(t, { StreamName: stream, ShardId: shard, ShardIteratorType: type }))
}

export function text(record: _Record): string {
  return Buffer.from(record.Data!).toString()
}

/** MD5 of the partition key as a 128-bit integer: the hash key Kinesis routes by. */
export function hashOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`)
}

/** The shard (among `shards`, open ones only) whose hash key range holds `key`. */
export function shardFor(shards: Shard[], key: bigint): string | undefined {
  return shards.find(
    (s) =>
      s.SequenceNumberRange?.EndingSequenceNumber === undefined &&
      BigInt(s.HashKeyRange!.StartingHashKey!) <= key &&
      key <= BigInt(s.HashKeyRange!.EndingHashKey!),
  )?.ShardId
}

export function expectStrictlyIncreasing(sequenceNumbers: (string | undefined)[]): void {
  const values = sequenceNumbers.map((s) => BigInt(s!))
  for (let i = 1; i < values.length; i++) {
    expect(values[i]! > values[i - 1]!, `sequence number ${i} (${values[i]}) > ${values[i - 1]}`).toBe(true)
  }
}

/**
 * The invariants of a resharded stream's lineage: the open shards partition [0, 2^128-1] into
 * contiguous ranges; every shard has at most two parents, and every parent is closed (with an
 * EndingSequenceNumber) and covered exactly by its children's ranges.
 */
export function expectValidLineage(shards: Shard[], openCount: number): void {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]))
  const range = (s: Shard) => [
    BigInt(s.HashKeyRange!.StartingHashKey!),
    BigInt(s.HashKeyRange!.EndingHashKey!),
  ]
  const isOpen = (s: Shard) => s.SequenceNumberRange!.EndingSequenceNumber === undefined
  const open = shards.filter(isOpen).sort((a, b) => (range(a)[0]! < range(b)[0]! ? -1 : 1))
  expect(open).toHaveLength(openCount)
  let expectedStart = 0n
  for (const s of open) {
    const [start, end] = range(s)
    expect(start, `${s.ShardId} starts where the previous open shard ended`).toBe(expectedStart)
    expect(end! >= start!).toBe(true)
    expectedStart = end! + 1n
  }
  expect(expectedStart - 1n).toBe(MAX_HASH)
  for (const s of shards) {
    const parents = [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined)
    expect(parents.length).toBeLessThanOrEqual(2)
    if (s.AdjacentParentShardId !== undefined) expect(s.ParentShardId).toBeDefined()
    for (const p of parents) {
      const parent = byId.get(p)
      expect(parent, `parent ${p} of ${s.ShardId} is listed`).toBeDefined()
      expect(parent!.SequenceNumberRange!.EndingSequenceNumber, `${p} is closed`).toEqual(expect.any(String))
      expect(BigInt(parent!.SequenceNumberRange!.EndingSequenceNumber!) > 0n).toBe(true)
    }
    if (parents.length === 2) {
      // A merge child covers exactly its two adjacent parents.
      const [a, b] = parents.map((p) => range(byId.get(p)!)).sort((x, y) => (x[0]! < y[0]! ? -1 : 1))
      expect(a![1]! + 1n).toBe(b![0])
      expect(range(s)).toEqual([a![0], b![1]])
    }
  }
  for (const closed of shards.filter((s) => !isOpen(s))) {
    const children = shards
      .filter((s) => s.ParentShardId === closed.ShardId || s.AdjacentParentShardId === closed.ShardId)
      .sort((a, b) => (range(a)[0]! < range(b)[0]! ? -1 : 1))
    expect(children.length, `${closed.ShardId} has children`).toBeGreaterThan(0)
    if (children.every((c) => c.AdjacentParentShardId === undefined)) {
      // A split parent is covered exactly by its children.
      const [start, end] = range(closed)
      expect(range(children[0]!)[0]).toBe(start)
      expect(range(children.at(-1)!)[1]).toBe(end)
      for (let i = 1; i < children.length; i++)
        expect(range(children[i]!)[0]).toBe(range(children[i - 1]!)[1]! + 1n)
    }
  }
}
