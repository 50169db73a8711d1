import { checkObjectKey } from '../../lake/buckets/object-key.ts'
import type { CatalogTableConfig } from '../../query/config.ts'
import type { DeliveryConfig } from '../config.ts'
import {
  formatConversionFailedEnvelope,
  partitioningFailedEnvelope,
  processingFailedEnvelope,
} from '../partition/error-envelope.ts'
import { createKeyExtractor, type ExtractResult, type KeyExtractor } from '../partition/extract.ts'
import { checkPartitionValue } from '../partition/partition-value.ts'
import { compileDeliveryPrefixes } from '../partition/prefix.ts'
import type { FlushPlan } from './flush.ts'
import type { PartitionStore } from './partition-store.ts'
import type { FailedRecord } from './records.ts'

/** Firehose's quota of active partitions per delivery stream. */
export const MAX_ACTIVE_PARTITIONS = 500

export interface PlanContext {
  catalog: Readonly<Record<string, CatalogTableConfig>>
  region: string
  account: string
  /** The source stream's ARN (stream sources only). */
  streamArn: string | undefined
  /** Where the delivery stream's active partitions are counted and its decisions kept. */
  partitions: PartitionStore
}

/**
 * Resolves a delivery stream's configuration into a FlushPlan: compiled prefixes (validated
 * with Firehose's rules), the jq key extractor, the Parquet columns and the transformation target.
 * Throws (Firehose's wording) when the configuration cannot work.
 */
export async function buildFlushPlan(
  name: string,
  config: DeliveryConfig,
  ctx: PlanContext,
): Promise<FlushPlan> {
  const dynamic = config.dynamicPartitioning?.enabled ?? false
  const queries = config.dynamicPartitioning?.metadataExtraction?.queries
  const { prefix, errorPrefix } = compileDeliveryPrefixes(config)
  const extractor =
    dynamic && queries && Object.keys(queries).length > 0 ? await createKeyExtractor(queries) : undefined
  const table = config.format ? ctx.catalog[config.format.parquet.table] : undefined
  if (config.format && !table) throw new Error(`no catalog table named '${config.format.parquet.table}'`)
  const arn = `arn:aws:firehose:${ctx.region}:${ctx.account}:deliverystream/${name}`
  const lambdaArn = config.processing
    ? `arn:aws:lambda:${ctx.region}:${ctx.account}:function:${config.processing.function}:$LATEST`
    : undefined
  return {
    delivery: name,
    bucket: config.bucket,
    prefix,
    errorPrefix,
    format: config.format ? 'parquet' : 'ndjson',
    compression: config.compression,
    appendNewline: config.appendNewline,
    columns: table?.columns,
    dynamicPartitioning: dynamic,
    extractKeys: extractor ? (data) => extractInSlices(extractor, data) : undefined,
    transform: config.processing
      ? {
          functionName: config.processing.function,
          bufferBytes: config.processing.bufferSizeInMBs * 1024 * 1024,
          numberOfRetries: config.processing.numberOfRetries,
          deliveryStreamArn: arn,
          region: ctx.region,
          source: ctx.streamArn ? { streamArn: ctx.streamArn, shardId: '' } : undefined,
          lambdaArn: lambdaArn!,
        }
      : undefined,
    partitions: ctx.partitions.ledger(name, {
      limit: MAX_ACTIVE_PARTITIONS,
      windowMs: config.bufferingHints.intervalInSeconds * 1000,
    }),
    checkPartitionValue: (v) => {
      const c = checkPartitionValue(v)
      return c.ok ? { ok: true } : { ok: false, reason: c.message }
    },
    checkObjectKey: (key) => {
      const c = checkObjectKey(key)
      return c.ok ? { ok: true } : { ok: false, reason: c.reason }
    },
    errorLine: (f: FailedRecord) =>
      errorLine(f, lambdaArn, {
        catalogId: ctx.account,
        databaseName: 'tributary',
        tableName: config.format?.parquet.table ?? '',
        region: ctx.region,
        versionId: '0',
        catalogArn: `arn:aws:glue:${ctx.region}:${ctx.account}:catalog`,
      }),
  }
}

function errorLine(
  f: FailedRecord,
  lambdaArn: string | undefined,
  table: Parameters<typeof formatConversionFailedEnvelope>[0]['dataCatalogTable'],
): string {
  const base = {
    attemptsMade: f.attemptsMade ?? 1,
    arrivalTimestamp: f.record.arrivalMs,
    errorCode: f.errorCode,
    errorMessage: f.errorMessage,
    attemptEndingTimestamp: f.attemptEndingMs ?? f.record.arrivalMs,
    rawData: f.record.data,
  }
  if (f.outputType === 'processing-failed')
    return processingFailedEnvelope({ ...base, lambdaArn: lambdaArn ?? '' })
  if (f.outputType === 'format-conversion-failed')
    return formatConversionFailedEnvelope({
      ...base,
      sequenceNumber: f.record.sequenceNumber,
      subSequenceNumber: f.record.subsequenceNumber,
      dataCatalogTable: table,
    })
  return partitioningFailedEnvelope(base)
}

/** Records per jq call: about 10–40 ms of event-loop time for 1 KiB records. */
const JQ_SLICE = 256

/**
 * jq runs on the main thread (jq-web is synchronous), so a large buffer is extracted in slices
 * with a turn of the event loop between them: the Kinesis API keeps answering meanwhile.
 */
async function extractInSlices(extractor: KeyExtractor, data: Buffer[]): Promise<ExtractResult[]> {
  const out: ExtractResult[] = []
  for (let i = 0; i < data.length; i += JQ_SLICE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve))
    out.push(...extractor.extract(data.slice(i, i + JQ_SLICE)))
  }
  return out
}
