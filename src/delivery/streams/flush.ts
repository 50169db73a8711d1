import { createHash } from 'node:crypto'
import type { Invoker } from '../../contracts/functions.ts'
import type { ObjectWriter } from '../../contracts/objects.ts'
import { MAX_EVALUATED_PREFIX_LENGTH } from '../partition/prefix.ts'
import type {
  ColumnSchema,
  Compression,
  EncodeRequest,
  EncodeResult,
  Encoder,
  PackedRecords,
} from '../types.ts'
import type { PartitionAdmission } from './active-partitions.ts'
import type { Buffered } from './buffer.ts'
import type { DeliveryRecord, FailedRecord } from './records.ts'
import { type TransformConfig, transform } from './transform.ts'

/** Renders a compiled Firehose prefix for one object. */
export interface PrefixRenderer {
  render(ctx: {
    arrivalMs: number
    keys?: Record<string, string>
    errorOutputType?: string
    randomString: string
  }): string
}

export type KeyExtraction =
  | { ok: true; keys: Record<string, string> }
  | { ok: false; errorCode: string; reason: string }

/** Everything a flush needs, resolved once per delivery stream. */
export interface FlushPlan {
  delivery: string
  bucket: string
  prefix: PrefixRenderer
  errorPrefix: PrefixRenderer
  format: 'ndjson' | 'parquet'
  compression: Compression
  appendNewline: boolean
  columns?: ColumnSchema[]
  dynamicPartitioning: boolean
  /** jq metadata extraction (`partitionKeyFromQuery`), one call per batch. */
  extractKeys?: (data: Buffer[]) => Promise<KeyExtraction[]>
  transform?: TransformConfig
  /**
   * Firehose's quota of active partitions across the delivery stream (dynamic partitioning
   * only): which partitions of a buffer may open.
   */
  partitions: PartitionAdmission
  checkPartitionValue(value: string): { ok: true } | { ok: false; reason: string }
  checkObjectKey(key: string): { ok: true } | { ok: false; reason: string }
  /** One line of Firehose's error-output JSON for a failed record. */
  errorLine(failed: FailedRecord): string
}

export interface FlushDeps {
  writer: ObjectWriter & { deleteObject(bucket: string, key: string): Promise<unknown> }
  encoder: Encoder
  invoker: Invoker
  now(): number
}

/** A planned object: its key and how to produce its body. */
export interface PlannedObject {
  key: string
  kind: 'data' | 'error'
  records: number
  /**
   * Data objects: the records in it (they go to the error prefix if the store refuses the key).
   * A function: the raw path reads them from the log again only when that happens.
   */
  delivered?: () => Promise<DeliveryRecord[]>
  body: Buffer
  /** Hex MD5 of `body` (computed by the encoder), for the object's ETag. */
  md5?: string
  contentType: string
  contentEncoding?: string
}

export interface FlushOutcome {
  objects: PlannedObject[]
  delivered: number
  deliveredBytes: number
  dropped: number
  failed: FailedRecord[]
  partitions: number
  transformInvocations: number
}

/**
 * Records of partitions beyond the quota go to the error output (`partitioning-failed`). The
 * message is the one Firehose writes there (reported from error objects on AWS); AWS documents no
 * code for it, so the code follows Firehose's `DynamicPartitioning.*` naming.
 */
export const ACTIVE_PARTITIONS_EXCEEDED = {
  code: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
  message: 'The number of active partitions has exceeded the configured limit',
} as const

/** The identity of a buffer: what makes its object names deterministic. */
export interface BufferIdentity {
  shardTag: string
  firstSequence: string
  lastSequence: string
}

/**
 * Turns one buffer into objects: transformation → partition keys → prefixes → encoding. Nothing
 * is written here; names depend only on the buffer's identity and partition, and bodies only on
 * the records, so the same buffer always plans the same objects.
 */
export async function planFlush(
  plan: FlushPlan,
  deps: FlushDeps,
  records: DeliveryRecord[],
  id: BufferIdentity,
): Promise<FlushOutcome> {
  const failed: FailedRecord[] = []
  let dropped = 0
  let invocations = 0
  let items: { record: DeliveryRecord; lambdaKeys?: Record<string, string> }[] = records.map((record) => ({
    record,
  }))
  if (plan.transform) {
    const config = plan.transform.source
      ? { ...plan.transform, source: { ...plan.transform.source, shardId: id.shardTag } }
      : plan.transform
    const t = await transform(records, config, deps.invoker, deps.now)
    items = t.ok.map((o) => ({ record: o.record, lambdaKeys: o.partitionKeys }))
    failed.push(...t.failed)
    dropped = t.dropped
    invocations = t.invocations
  }

  // Partition: group by the rendered prefix (so two key sets that render alike share a file).
  const groups = new Map<string, { keys: Record<string, string> | undefined; records: DeliveryRecord[] }>()
  const extracted =
    plan.dynamicPartitioning && plan.extractKeys
      ? await plan.extractKeys(items.map((i) => i.record.data))
      : undefined
  const base = `${plan.delivery}-${id.shardTag}-${id.firstSequence}-${id.lastSequence}`
  const partitioned: { record: DeliveryRecord; keys: Record<string, string> | undefined }[] = []
  items.forEach((item, i) => {
    if (!plan.dynamicPartitioning) {
      partitioned.push({ record: item.record, keys: undefined })
      return
    }
    const fromQuery = extracted?.[i]
    if (fromQuery && !fromQuery.ok) {
      failed.push(partitionFailure(item.record, fromQuery.errorCode, fromQuery.reason))
      return
    }
    const keys: Record<string, string> = {}
    for (const [k, v] of Object.entries({ ...(fromQuery?.keys ?? {}), ...(item.lambdaKeys ?? {}) }))
      keys[k] = String(v)
    for (const [k, v] of Object.entries(keys)) {
      const check = plan.checkPartitionValue(v)
      if (!check.ok) {
        failed.push(
          partitionFailure(
            item.record,
            'DynamicPartitioning.InvalidPartitionKeyValue',
            `partition key '${k}': ${check.reason}`,
          ),
        )
        return
      }
    }
    partitioned.push({ record: item.record, keys })
  })
  // A group's prefix uses its oldest record's arrival time (Firehose's rule for timestamps).
  const byKeys = new Map<string, { keys: Record<string, string> | undefined; records: DeliveryRecord[] }>()
  for (const p of partitioned) {
    const k = p.keys ? JSON.stringify(Object.entries(p.keys).sort()) : ''
    const g = byKeys.get(k) ?? { keys: p.keys, records: [] }
    g.records.push(p.record)
    byKeys.set(k, g)
  }
  const candidates = new Map<
    string,
    { keys: Record<string, string> | undefined; records: DeliveryRecord[] }
  >()
  for (const [k, g] of byKeys) {
    const oldest = oldestOf(g.records)
    let prefix: string
    try {
      prefix = plan.prefix.render({ arrivalMs: oldest, keys: g.keys, randomString: randomString(base, k) })
    } catch (error) {
      for (const r of g.records)
        failed.push(partitionFailure(r, 'DynamicPartitioning.MissingPartitionKey', (error as Error).message))
      continue
    }
    if (prefix.length > MAX_EVALUATED_PREFIX_LENGTH) {
      const message = `The evaluated prefix is ${prefix.length} characters; the limit is ${MAX_EVALUATED_PREFIX_LENGTH}.`
      for (const r of g.records)
        failed.push(partitionFailure(r, 'DynamicPartitioning.PrefixEvaluationFailed', message))
      continue
    }
    const existing = candidates.get(prefix)
    if (existing) existing.records.push(...g.records)
    else candidates.set(prefix, g)
  }
  // The quota counts partitions across the delivery stream's shards: the ledger decides (and
  // records the decision before anything is written, so a replay decides the same).
  const admitted = plan.dynamicPartitioning
    ? plan.partitions.admit(
        base,
        [...candidates].map(([prefix, g]) => ({ prefix, firstArrivalMs: oldestOf(g.records) })),
      )
    : undefined
  for (const [prefix, g] of candidates) {
    if (admitted && !admitted.has(prefix)) {
      for (const r of g.records)
        failed.push(partitionFailure(r, ACTIVE_PARTITIONS_EXCEEDED.code, ACTIVE_PARTITIONS_EXCEEDED.message))
      continue
    }
    groups.set(prefix, g)
  }

  const objects: PlannedObject[] = []
  let delivered = 0
  let deliveredBytes = 0
  for (const [prefix, g] of groups) {
    const result = await deps.encoder.encode({
      format: plan.format,
      records: g.records.map((r) => r.data),
      appendNewline: plan.appendNewline,
      compression: plan.format === 'parquet' ? 'UNCOMPRESSED' : plan.compression,
      columns: plan.columns,
      entryName: `${base}.json`,
      fileTimeMs: oldestOf(g.records),
      md5: true,
    })
    const failedIdx = new Set(result.failures.map((f) => f.index))
    for (const f of result.failures) failed.push(conversionFailure(g.records[f.index]!, f.reason))
    const count = g.records.length - failedIdx.size
    if (count === 0 || result.body.length === 0) continue
    const key = `${prefix}${base}${result.extension}`
    const check = plan.checkObjectKey(key)
    if (!check.ok) {
      for (let i = 0; i < g.records.length; i++)
        if (!failedIdx.has(i))
          failed.push(partitionFailure(g.records[i]!, 'S3.InvalidKey', `object key refused: ${check.reason}`))
      continue
    }
    delivered += count
    g.records.forEach((r, i) => {
      if (!failedIdx.has(i)) deliveredBytes += r.data.length
    })
    const kept = g.records.filter((_, i) => !failedIdx.has(i))
    objects.push({
      key,
      kind: 'data',
      records: count,
      delivered: async () => kept,
      body: result.body,
      md5: result.md5,
      contentType: result.contentType,
      contentEncoding: result.contentEncoding,
    })
  }
  objects.push(...(await errorObjects(plan, deps, failed, base)))
  return {
    objects,
    delivered,
    deliveredBytes,
    dropped,
    failed,
    partitions: groups.size,
    transformInvocations: invocations,
  }
}

/**
 * A buffer as the raw path sees it: where its records are in the log, not their bytes. The
 * records are read chunk by chunk as they are encoded, in the base64 the log stores, and decoded
 * by the encoder: nothing per record is built on the event loop.
 */
export interface RawBuffer {
  /** The buffer's source records, in log order (one delivered record each: no de-aggregation). */
  readonly items: readonly Buffered[]
  /**
   * Items [from, to) of the buffer, read from the log: their data as stored (base64) packed in
   * one transferable buffer, and its decoded size. Fewer records (possibly none) when retention
   * trimmed the log meanwhile. `release` hands the memory back for reuse, once the encoder is
   * done with the records.
   */
  read(
    from: number,
    to: number,
  ): Promise<{ records: PackedRecords; count: number; bytes: number; release(): void }>
  /** The buffer's records decoded, as `planFlush` gets them (for the error output, rarely). */
  decoded(): Promise<DeliveryRecord[]>
}

/**
 * Decoded bytes per chunk of an NDJSON file encoded in chunks. Each chunk is one gzip member (or
 * Snappy stream, or run of Hadoop-Snappy blocks) of the file: readers see one stream. Cut by the
 * records' sizes alone, so a buffer always cuts into the same chunks and encodes to the same bytes.
 */
export const CHUNK_BYTES = 2 * 1024 * 1024
/** Chunks of one buffer being encoded at once (the next one is read from the log meanwhile). */
const CHUNKS_IN_FLIGHT = 2

/** End indices of the chunks of `items`: a chunk closes once its records reach `limit` bytes. */
export function chunkEnds(items: readonly Buffered[], limit: number): number[] {
  const ends: number[] = []
  let bytes = 0
  for (let i = 0; i < items.length; i++) {
    bytes += items[i]!.size
    if (bytes >= limit) {
      ends.push(i + 1)
      bytes = 0
    }
  }
  if (ends.length === 0 || ends[ends.length - 1] !== items.length) ends.push(items.length)
  return ends
}

/**
 * planFlush for a delivery stream without transformation, dynamic partitioning or
 * de-aggregation: one data object per buffer, encoded straight from the log's bytes (the
 * encoder decodes the base64), NDJSON in chunks so a large buffer is never held whole in memory
 * more than once (compressed). Same object names as planFlush; the same buffer always gives the
 * same bytes.
 */
export async function planRawFlush(
  plan: FlushPlan,
  deps: FlushDeps,
  raw: RawBuffer,
  id: BufferIdentity,
): Promise<FlushOutcome> {
  if (plan.transform || plan.dynamicPartitioning)
    throw new Error('the raw path cannot transform or partition')
  const base = `${plan.delivery}-${id.shardTag}-${id.firstSequence}-${id.lastSequence}`
  const items = raw.items
  // NDJSON chunks are compressed apart and concatenated; Parquet chunks are converted to column
  // values, and the last one writes the file from all of them. A ZIP file is one deflate stream.
  const chunked = plan.format === 'parquet' || plan.compression !== 'ZIP'
  const ends = chunked ? chunkEnds(items, CHUNK_BYTES) : [items.length]
  let oldest = Number.POSITIVE_INFINITY
  const request = (records: PackedRecords, start: number, count: number, last: boolean): EncodeRequest => {
    for (let i = start; i < start + count; i++) oldest = Math.min(oldest, items[i]!.arrivalMs)
    return {
      format: plan.format,
      records,
      appendNewline: plan.appendNewline,
      compression: plan.format === 'parquet' ? 'UNCOMPRESSED' : plan.compression,
      columns: plan.columns,
      entryName: `${base}.json`,
      fileTimeMs: oldest,
      md5: last,
    }
  }
  const parts: Promise<EncodeResult>[] = []
  /** Where each chunk starts in the buffer: a chunk's failures index its own records. */
  const starts: number[] = []
  let read = 0
  let bytes = 0
  let result: EncodeResult | undefined
  try {
    for (let c = 0, start = 0; c < ends.length; start = ends[c++]!) {
      const chunk = await raw.read(start, ends[c]!)
      const last = c === ends.length - 1 || chunk.count < ends[c]! - start
      const r = request(chunk.records, start, chunk.count, last)
      starts.push(start)
      read += chunk.count
      bytes += chunk.bytes
      if (last) {
        try {
          const earlier = await Promise.all(parts)
          if (plan.format === 'parquet') {
            if (earlier.length > 0) r.columnData = earlier.map((p) => p.columnData ?? [])
          } else if (earlier.length > 0) r.before = earlier.map((p) => p.body)
          result = await deps.encoder.encode(r)
          result.failures = [...earlier, result].flatMap((p, i) =>
            p.failures.map((f) => ({ ...f, index: f.index + starts[i]! })),
          )
        } finally {
          chunk.release()
        }
        break
      }
      if (plan.format === 'parquet') r.stage = 'columns'
      if (parts.length >= CHUNKS_IN_FLIGHT) await parts[parts.length - CHUNKS_IN_FLIGHT]
      const part = deps.encoder.encode(r).finally(() => chunk.release())
      // Awaited in order later; a failure meanwhile must not count as unhandled.
      part.catch(() => undefined)
      parts.push(part)
    }
  } finally {
    // On failure, let chunks still encoding finish before the buffer is tried again.
    if (!result) await Promise.allSettled(parts)
  }
  const outcome: FlushOutcome = {
    objects: [],
    delivered: 0,
    deliveredBytes: 0,
    dropped: 0,
    failed: [],
    partitions: read > 0 ? 1 : 0,
    transformInvocations: 0,
  }
  if (!result || read === 0) return outcome
  let decoded: DeliveryRecord[] | undefined
  const records = async () => {
    decoded ??= await raw.decoded()
    // Trimmed by retention between the two reads: plan the buffer again from what is left.
    if (decoded.length !== read) throw new Error('the log changed while the buffer was being delivered')
    return decoded
  }
  const failedIdx = new Set(result.failures.map((f) => f.index))
  if (result.failures.length > 0) {
    const all = await records()
    for (const f of result.failures) {
      outcome.failed.push(conversionFailure(all[f.index]!, f.reason))
      bytes -= all[f.index]!.data.length
    }
  }
  const count = read - failedIdx.size
  if (count > 0 && result.body.length > 0) {
    const prefix = plan.prefix.render({ arrivalMs: oldest, randomString: randomString(base, '') })
    const key = `${prefix}${base}${result.extension}`
    const check = plan.checkObjectKey(key)
    if (check.ok) {
      outcome.delivered = count
      outcome.deliveredBytes = bytes
      outcome.objects.push({
        key,
        kind: 'data',
        records: count,
        delivered: async () => (await records()).filter((_, i) => !failedIdx.has(i)),
        body: result.body,
        md5: result.md5,
        contentType: result.contentType,
        contentEncoding: result.contentEncoding,
      })
    } else {
      const all = await records()
      for (let i = 0; i < all.length; i++)
        if (!failedIdx.has(i))
          outcome.failed.push(
            partitionFailure(all[i]!, 'S3.InvalidKey', `object key refused: ${check.reason}`),
          )
    }
  }
  outcome.objects.push(...(await errorObjects(plan, deps, outcome.failed, base)))
  return outcome
}

function partitionFailure(record: DeliveryRecord, errorCode: string, errorMessage: string): FailedRecord {
  return { record, outputType: 'partitioning-failed', errorCode, errorMessage }
}

function conversionFailure(record: DeliveryRecord, reason: string): FailedRecord {
  return {
    record,
    outputType: 'format-conversion-failed',
    // Reasons start with Firehose's code: `DataFormatConversion.ParseError: ...`.
    errorCode: /^(DataFormatConversion\.\w+): /.exec(reason)?.[1] ?? 'DataFormatConversion.MalformedData',
    errorMessage: reason.replace(/^DataFormatConversion\.\w+: /, ''),
  }
}

function oldestOf(records: readonly DeliveryRecord[]): number {
  return records.reduce((m, r) => Math.min(m, r.arrivalMs), Number.POSITIVE_INFINITY)
}

/** `!{firehose:random-string}`: derived from the object's identity so a replay renders the same. */
function randomString(base: string, partition: string): string {
  return createHash('sha256').update(`${base}\0${partition}`).digest('hex').slice(0, 11)
}

/** Failed records as Firehose's error-output JSON lines, one object per error output type. */
export async function errorObjects(
  plan: FlushPlan,
  deps: FlushDeps,
  failed: readonly FailedRecord[],
  base: string,
): Promise<PlannedObject[]> {
  const byType = new Map<string, FailedRecord[]>()
  for (const f of failed) {
    const list = byType.get(f.outputType) ?? []
    list.push(f)
    byType.set(f.outputType, list)
  }
  const out: PlannedObject[] = []
  for (const [type, list] of [...byType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const oldest = oldestOf(list.map((f) => f.record))
    const prefix = plan.errorPrefix.render({
      arrivalMs: oldest,
      errorOutputType: type,
      randomString: randomString(base, `error:${type}`),
    })
    const result = await deps.encoder.encode({
      format: 'ndjson',
      records: list.map((f) => Buffer.from(plan.errorLine(f))),
      appendNewline: true,
      compression: plan.format === 'parquet' ? 'UNCOMPRESSED' : plan.compression,
      entryName: `${base}-${type}.json`,
      fileTimeMs: oldest,
      md5: true,
    })
    out.push({
      key: `${prefix}${base}-${type}${result.extension}`,
      kind: 'error',
      records: list.length,
      body: result.body,
      md5: result.md5,
      contentType: result.contentType,
      contentEncoding: result.contentEncoding,
    })
  }
  return out
}
