import type { FaultOutcome } from '../faults/injector.ts'
import { Kinesis } from '../monitor/catalog/kinesis.ts'
import { type DecodedRecord, FLAG_ENCRYPTED, type FrameRecordInput } from '../storage/log/frame.ts'
import { decodedLength, releaseReadBuffers } from '../storage/log/reader.ts'
import { type HashKeyHex, hashKeyFromBigInt, MAX_HASH_KEY, partitionKeyHash } from '../stream/hash-key.ts'
import { parseClientSequenceNumber, printedShardId } from '../stream/sequence-layout.ts'
import { decodeSequenceNumber, END_SEQUENCE_INDEX } from '../stream/sequence-number.ts'
import { parseShardId, shardIdName } from '../stream/shard-id.ts'
import type { StreamEngine } from './engine.ts'
import { errors, writeThrottledMessage } from './messages.ts'
import type { ShardRuntime, StreamRuntime } from './stream-state.ts'

export interface PutEntry {
  partitionKey: string
  explicitHashKey?: string | undefined
  /** Record data as base64 text (or its ASCII bytes). */
  data: string | Buffer
}

export type PutOutcome =
  | { ok: true; shardId: string; sequenceNumber: string }
  | {
      ok: false
      errorCode: 'InternalFailure' | 'ProvisionedThroughputExceededException'
      errorMessage: string
    }

export interface PutResult {
  outcomes: PutOutcome[]
  encrypted: boolean
}

/**
 * MD5 of recent partition keys. Producers reuse keys (device ids, user ids) across requests, and
 * a lookup is far cheaper than a hash; the cache is simply dropped when it fills.
 */
const hashCache = new Map<string, HashKeyHex>()
const HASH_CACHE_SIZE = 65_536

function cachedPartitionKeyHash(key: string): HashKeyHex {
  let hash = hashCache.get(key)
  if (hash === undefined) {
    if (hashCache.size >= HASH_CACHE_SIZE) hashCache.clear()
    hash = partitionKeyHash(key)
    hashCache.set(key, hash)
  }
  return hash
}

/** The shard a record goes to: ExplicitHashKey when given, else MD5 of the partition key. */
function hashKeyOf(entry: PutEntry): HashKeyHex {
  if (entry.explicitHashKey === undefined) return cachedPartitionKeyHash(entry.partitionKey)
  const value = BigInt(entry.explicitHashKey)
  if (value > MAX_HASH_KEY) {
    throw errors.invalidArgument(
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${entry.explicitHashKey}`,
    )
  }
  return hashKeyFromBigInt(value)
}

/** Bytes a record counts against its shard's write limit: its data plus its partition key. */
function recordBytes(entry: PutEntry): number {
  return decodedLength(entry.data) + Buffer.byteLength(entry.partitionKey)
}

export interface PutOptions {
  /**
   * Apply the shards' write limits (default: as the engine and the stream are configured).
   * The test harness puts without them, as it puts without AWS's request limits.
   */
  shardLimits?: boolean
}

/**
 * Appends records to their shards and resolves once every one is durable. Records for one shard
 * keep their request order and form one frame; shards commit in parallel. A shard that cannot
 * take writes fails only its own entries (InternalFailure), as PutRecords does on AWS; a shard
 * over its write limit refuses its entries from the first one that does not fit to the end of
 * the request (ProvisionedThroughputExceededException), so what it takes keeps the request order.
 */
export async function putRecords(
  engine: StreamEngine,
  streamName: string,
  entries: PutEntry[],
  options: PutOptions = {},
): Promise<PutResult> {
  let stream = engine.writableStream(streamName)
  const faults = engine.faults.size > 0 ? engine.faults : undefined
  if (faults) {
    const wait = faults.delay(streamName, 'put')
    if (wait > 0) {
      await sleep(engine, wait)
      stream = engine.writableStream(streamName)
    }
  }
  const limited = options.shardLimits ?? engine.shardLimitsOn(stream)
  // Demand an on-demand stream scales on: every entry offered, whether its shard takes it or not.
  const onDemand = stream.state.mode === 'ON_DEMAND'
  const now = engine.clock.now()
  const groups = new Map<ShardRuntime, Group>()
  const outcomes: PutOutcome[] = new Array(entries.length)
  let throttled = 0
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    const shard = stream.route(hashKeyOf(entry))
    if (!shard) throw errors.internalFailure()
    if (onDemand) {
      shard.offered.bytes += recordBytes(entry)
      shard.offered.records++
    }
    let group = groups.get(shard)
    if (!group) {
      group = { indexes: [], records: [], throttled: false }
      groups.set(shard, group)
    }
    if (limited && (group.throttled || !shard.throughput.admitWrite(recordBytes(entry), now))) {
      group.throttled = true
      throttled++
      outcomes[i] = {
        ok: false,
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: writeThrottledMessage(shard.id, streamName, engine.account),
      }
      continue
    }
    const fault = faults?.fail(streamName, 'put')
    if (fault) {
      outcomes[i] = faultOutcome(fault, shard.id, streamName, engine.account)
      if (fault === 'throttle') throttled++
      continue
    }
    group.indexes.push(i)
    group.records.push(entry)
  }
  const encrypted = stream.state.encryptionType === 'KMS'
  await Promise.all(
    [...groups].map(async ([shard, group]) => {
      if (group.records.length === 0) return
      try {
        const ticket = shard.requireLog().append(group.records, now, encrypted ? FLAG_ENCRYPTED : 0)
        await ticket.durable
        for (let k = 0; k < group.indexes.length; k++) {
          outcomes[group.indexes[k]!] = {
            ok: true,
            shardId: shard.id,
            sequenceNumber: shard.sequenceNumber(ticket.firstOrdinal + k, ticket.timestamp),
          }
        }
      } catch (error) {
        engine.logger.error(`write to ${shard.id} of ${streamName} failed: ${(error as Error).message}`)
        for (const i of group.indexes) {
          outcomes[i] = { ok: false, errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' }
        }
      }
    }),
  )
  let ok = 0
  let bytes = 0
  for (let i = 0; i < entries.length; i++) {
    if (!outcomes[i]!.ok) continue
    ok++
    bytes += decodedLength(entries[i]!.data)
  }
  const metrics = engine.streamMetrics.of(streamName)
  if (ok > 0) {
    metrics.record(Kinesis.IncomingRecords, ok, now)
    metrics.record(Kinesis.IncomingBytes, bytes, now)
  }
  if (throttled > 0) metrics.record(Kinesis.WriteProvisionedThroughputExceeded, throttled, now)
  return { outcomes, encrypted }
}

/** What an injected fault makes of a PutRecords entry: AWS's own per-entry errors. */
function faultOutcome(fault: FaultOutcome, shardId: string, stream: string, account: string): PutOutcome {
  return fault === 'throttle'
    ? {
        ok: false,
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: writeThrottledMessage(shardId, stream, account),
      }
    : { ok: false, errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' }
}

/** Waits `ms` on the engine's clock (an injected latency fault). */
function sleep(engine: StreamEngine, ms: number): Promise<void> {
  return new Promise((resolve) => engine.clock.setTimeout(resolve, ms))
}

interface Group {
  indexes: number[]
  records: FrameRecordInput[]
  /** The shard refused a record of this request: it takes none of the request's later ones. */
  throttled: boolean
}

/**
 * The stream an iterator request reads, which must be ACTIVE or UPDATING. When it is not, Kinesis
 * names the shard rather than the stream (as kinesalite recorded): "Shard shardId-… in stream s
 * under account … does not exist", or "Could not find shard …" for an id that names no shard.
 */
function streamOfShard(engine: StreamEngine, streamName: string, shardId: string): StreamRuntime {
  const stream = engine.findWritableStream(streamName)
  if (stream) return stream
  const index = parseShardId(shardId)
  if (index === undefined) throw errors.couldNotFindShard(shardId, streamName, engine.account)
  throw errors.shardNotFound(shardIdName(index), streamName, engine.account)
}

/** Locates a shard by the id a client sent, with Kinesis's two "not found" wordings. */
export function findShard(engine: StreamEngine, stream: StreamRuntime, shardId: string): ShardRuntime {
  const index = parseShardId(shardId)
  if (index === undefined) throw errors.couldNotFindShard(shardId, stream.state.name, engine.account)
  const shard = stream.shards.get(index)
  if (!shard) throw errors.shardNotFound(shardIdName(index), stream.state.name, engine.account)
  return shard
}

export type IteratorType =
  | 'AT_SEQUENCE_NUMBER'
  | 'AFTER_SEQUENCE_NUMBER'
  | 'TRIM_HORIZON'
  | 'LATEST'
  | 'AT_TIMESTAMP'

export interface IteratorRequest {
  streamName: string
  shardId: string
  type: IteratorType
  startingSequenceNumber?: string | undefined
  /** AT_TIMESTAMP position, ms since epoch. */
  timestamp?: number | undefined
}

/** GetShardIterator: checks the request as Kinesis does and issues an authenticated iterator. */
export async function shardIterator(engine: StreamEngine, req: IteratorRequest): Promise<string> {
  const { stream, shard, ordinal } = await startingOrdinal(engine, req)
  return engine.iterators.encode({
    streamName: req.streamName,
    streamCreatedAt: stream.state.createdAt,
    shardIndex: shard.state.index,
    ordinal,
    issuedAt: engine.clock.now(),
  })
}

/** Where a read that starts as `req` says begins: the shard, and the ordinal of its first record. */
export interface StartingOrdinal {
  stream: StreamRuntime
  shard: ShardRuntime
  ordinal: number
}

/**
 * Resolves a starting position (GetShardIterator's, SubscribeToShard's) with Kinesis's checks
 * and messages; `operation` is the one a bad sequence number's message names.
 */
export async function startingOrdinal(
  engine: StreamEngine,
  req: IteratorRequest,
  operation = 'GetShardIterator',
): Promise<StartingOrdinal> {
  const stream = streamOfShard(engine, req.streamName, req.shardId)
  const shard = findShard(engine, stream, req.shardId)
  const account = engine.account
  const { type, startingSequenceNumber: seq } = req
  const needsSeq = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER'
  if (seq !== undefined && (type === 'TRIM_HORIZON' || type === 'LATEST')) {
    throw errors.invalidArgument(
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
        `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and also a StartingSequenceNumber.`,
    )
  }
  if (seq === undefined && needsSeq) {
    throw errors.invalidArgument(
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
        `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and no StartingSequenceNumber.`,
    )
  }
  const log = shard.requireLog()
  let ordinal: number
  if (needsSeq) {
    const invalid = (printed: string, why = '') =>
      errors.invalidArgument(
        `StartingSequenceNumber ${printed} used in ${operation} on shard ${shard.id} in stream ${req.streamName} under account ${account} is invalid${why}.`,
      )
    const client = parseClientSequenceNumber(seq!)
    if (!client || client.version === 3) throw invalid(client?.printed ?? seq!)
    if (client.shardIndex !== shard.state.index) {
      throw errors.invalidArgument(
        `Invalid StartingSequenceNumber. It encodes ${printedShardId(client.shardIndex)}, while it was used in a call to a shard with ${shard.id}`,
      )
    }
    const parts = client.version === 2 ? decodeSequenceNumber(client.printed) : undefined
    if (!parts || parts.shardCreatedSeconds !== shard.createdSeconds) {
      // An old (version 0) number naming this shard is a 500 on AWS, not a client error.
      if (client.version === 0) throw errors.internalFailure()
      throw invalid(client.printed, ' because it did not come from this stream')
    }
    const index =
      parts.sequenceIndex >= END_SEQUENCE_INDEX ? Number.MAX_SAFE_INTEGER : Number(parts.sequenceIndex)
    // Sequence index n is the record with ordinal n - 1 (index 0 is the shard's starting number).
    ordinal = type === 'AT_SEQUENCE_NUMBER' ? Math.max(0, index - 1) : index
    ordinal = Math.min(ordinal, log.nextOrdinal)
  } else if (type === 'TRIM_HORIZON') {
    ordinal = log.firstOrdinal
  } else if (type === 'LATEST') {
    ordinal = log.nextOrdinal
  } else {
    if (req.timestamp === undefined) {
      throw errors.invalidArgument(
        'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      )
    }
    const now = engine.clock.now()
    if (req.timestamp > now) {
      throw errors.invalidArgument(
        'The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. ' +
          `timestampInMillis: ${req.timestamp}, currentTimestampInMillis: ${now}`,
      )
    }
    ordinal = await log.ordinalAtTimestamp(req.timestamp)
  }
  return { stream, shard, ordinal }
}

export const ITERATOR_TTL_MS = 300_000
/** Kinesis caps a GetRecords response at 10 MiB of data. */
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024

export interface ReadRecord extends DecodedRecord {
  sequenceNumber: string
  encrypted: boolean
}

export interface GetRecordsResult {
  records: ReadRecord[]
  nextShardIterator: string | undefined
  millisBehindLatest: number
  /** Set when the iterator reached the end of a closed shard. */
  childShards: ShardRuntime[] | undefined
  /** Lets the read buffers be reused: call once the records have been rendered. */
  release(): void
}

/** GetRecords: reads from the iterator's position, hiding records past retention. */
export async function getRecords(
  engine: StreamEngine,
  token: string,
  limit: number,
): Promise<GetRecordsResult> {
  const position = engine.iterators.decode(token)
  if (!position) throw errors.invalidIterator()
  let now = engine.clock.now()
  if (now - position.issuedAt > ITERATOR_TTL_MS) throw errors.iteratorExpired(position.issuedAt, now)
  const stream = streamOfShard(engine, position.streamName, shardIdName(position.shardIndex))
  const shard = stream.shards.get(position.shardIndex)
  if (!shard) throw errors.shardNotFound(shardIdName(position.shardIndex), stream.state.name, engine.account)
  const log = shard.requireLog()
  if (engine.faults.size > 0) {
    const wait = engine.faults.delay(stream.state.name, 'get')
    if (wait > 0) {
      await sleep(engine, wait)
      now = engine.clock.now()
    }
    const fault = engine.faults.fail(stream.state.name, 'get')
    if (fault === 'throttle') {
      engine.streamMetrics.of(stream.state.name).record(Kinesis.ReadProvisionedThroughputExceeded, 1, now)
      throw errors.readThroughputExceeded(shard.id, stream.state.name, engine.account)
    }
    if (fault === 'internal-failure') throw errors.internalFailure()
  }
  const limited = engine.shardLimitsOn(stream)
  if (limited && !shard.throughput.admitRead(now)) {
    engine.streamMetrics.of(stream.state.name).record(Kinesis.ReadProvisionedThroughputExceeded, 1, now)
    throw errors.readThroughputExceeded(shard.id, stream.state.name, engine.account)
  }
  // An iterator of a deleted stream still reads after the name is created again, as on AWS: from
  // the start of the new stream's shard of the same index, since the position it holds lies
  // before every record that shard will ever have.
  const from =
    stream.state.createdAt === position.streamCreatedAt
      ? position
      : { ...position, streamCreatedAt: stream.state.createdAt, ordinal: log.firstOrdinal }
  const cutoff = engine.retentionCutoff(stream)
  const read = await log.read(from.ordinal, limit, MAX_GET_RECORDS_BYTES)
  const records: ReadRecord[] = []
  for (const r of read.records) {
    if (r.timestamp < cutoff) continue
    const rec = r as ReadRecord
    rec.sequenceNumber = shard.sequenceNumber(r.ordinal, r.timestamp)
    rec.encrypted = (r.flags & FLAG_ENCRYPTED) !== 0
    records.push(rec)
  }
  const atEnd = read.next >= log.durableOrdinal
  // AWS ends a closed shard with a response of its own: the one that returns its last records
  // still carries a NextShardIterator, and only a read that starts at the end has none (and
  // names the ChildShards).
  const finished = !shard.open && log.sealed && from.ordinal >= log.nextOrdinal
  const last = read.records[read.records.length - 1]
  const metrics = engine.streamMetrics.of(stream.state.name)
  metrics.record(Kinesis.GetRecords_Success, 1, now)
  if (limited) {
    // What the response counts against the shard's 2 MiB/s: data plus partition keys, as writes.
    let size = 0
    for (const r of records) size += decodedLength(r.data) + Buffer.byteLength(r.partitionKey)
    shard.throughput.chargeRead(size)
  }
  if (records.length > 0) {
    let bytes = 0
    for (const r of records) bytes += decodedLength(r.data)
    metrics.record(Kinesis.GetRecords_Records, records.length, now)
    metrics.record(Kinesis.GetRecords_Bytes, bytes, now)
    metrics.record(Kinesis.GetRecords_IteratorAgeMilliseconds, Math.max(0, now - records[0]!.timestamp), now)
  }
  return {
    records,
    nextShardIterator: finished
      ? undefined
      : engine.iterators.encode({ ...from, ordinal: read.next, issuedAt: now }),
    millisBehindLatest: atEnd || !last ? 0 : Math.max(0, now - last.timestamp),
    childShards: finished ? stream.childrenOf(shard.state.index) : undefined,
    release: () => releaseReadBuffers(read.buffers),
  }
}
