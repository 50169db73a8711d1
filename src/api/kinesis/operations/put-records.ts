import { type PutEntry, type PutResult, putRecords as put } from '../../../engine/records.ts'
import type { StreamRuntime } from '../../../engine/stream-state.ts'
import { ServiceError } from '../../../stream/errors.ts'
import { parseClientSequenceNumber } from '../../../stream/sequence-layout.ts'
import { validationError } from '../../errors.ts'
import { defineOperation, type PreRendered } from '../../operation.ts'
import { blobLength } from '../../validation.ts'
import { isWellFormedPutRecord, isWellFormedPutRecords } from '../fast-path.ts'
import { scanPutRecord, scanPutRecords } from '../put-scanner.ts'
import { PUT_RECORD_SPEC, PUT_RECORDS_SPEC } from '../put-shapes.ts'
import { streamNameOf } from '../shapes.ts'

const CLASSIC_REQUEST_LIMIT = 5 * 1024 * 1024

interface WireEntry {
  /** Base64 text: a string from JSON.parse, or a view into the body from the fast scanner. */
  Data: string | Buffer
  PartitionKey: string
  ExplicitHashKey?: string | null
}

/**
 * Record size limits that depend on the stream: data plus partition key at most the stream's
 * MaxRecordSizeInKiB (1 MiB by default), reported the way AWS's validator words it.
 */
export function checkRecordSizes(
  stream: StreamRuntime,
  entries: readonly WireEntry[],
  path: (i: number) => string,
): number {
  const limit = stream.state.maxRecordSizeKiB * 1024
  const violations: string[] = []
  let total = 0
  entries.forEach((e, i) => {
    const data = blobLength(e.Data)
    const size = data + Buffer.byteLength(e.PartitionKey)
    total += size
    if (size > limit && violations.length < 10) {
      violations.push(
        `Value 'java.nio.HeapByteBuffer[pos=0 lim=${data} cap=${data}]' at '${path(i)}' failed to satisfy constraint: Member must have length less than or equal to ${limit}`,
      )
    }
  })
  if (violations.length) {
    const n = violations.length
    throw validationError(`${n} validation error${n > 1 ? 's' : ''} detected: ${violations.join('; ')}`)
  }
  return total
}

function toEntry(e: WireEntry): PutEntry {
  // Bodies that passed the fast path still carry explicit nulls, which mean "absent".
  return { partitionKey: e.PartitionKey, explicitHashKey: e.ExplicitHashKey ?? undefined, data: e.Data }
}

/** The PutRecords response, rendered by hand: 500 entries of digits and ids need no escaping. */
function renderPutRecords(result: PutResult): PreRendered {
  let failed = 0
  const entries = result.outcomes.map((o) => {
    if (o.ok) return `{"SequenceNumber":"${o.sequenceNumber}","ShardId":"${o.shardId}"}`
    failed++
    return `{"ErrorCode":${JSON.stringify(o.errorCode)},"ErrorMessage":${JSON.stringify(o.errorMessage)}}`
  })
  const encryption = result.encrypted ? ',"EncryptionType":"KMS"' : ''
  return {
    json: () =>
      Buffer.from(`{"FailedRecordCount":${failed},"Records":[${entries.join(',')}]${encryption}}`, 'latin1'),
    cbor: () => ({
      FailedRecordCount: failed,
      Records: result.outcomes.map((o) =>
        o.ok
          ? { SequenceNumber: o.sequenceNumber, ShardId: o.shardId }
          : { ErrorCode: o.errorCode, ErrorMessage: o.errorMessage },
      ),
      ...(result.encrypted && { EncryptionType: 'KMS' }),
    }),
  }
}

function encryption(result: PutResult) {
  return result.encrypted ? { EncryptionType: 'KMS' } : {}
}

export const putRecords = defineOperation({
  name: 'PutRecords',
  fastCheck: isWellFormedPutRecords,
  fastParse: scanPutRecords,
  spec: PUT_RECORDS_SPEC,
  async handle(input, ctx) {
    const name = streamNameOf(ctx, input)
    const stream = ctx.engine.writableStream(name)
    const records: readonly WireEntry[] = input.Records
    const total = checkRecordSizes(stream, records, (i) => `records.${i + 1}.member.data`)
    const requestLimit = Math.max(CLASSIC_REQUEST_LIMIT, stream.state.maxRecordSizeKiB * 1024)
    if (total > requestLimit) {
      throw new ServiceError(
        'InvalidArgumentException',
        `Records size exceeds ${requestLimit / 1024 / 1024} MB limit`,
      )
    }
    return renderPutRecords(await put(ctx.engine, name, records.map(toEntry)))
  },
})

export const putRecord = defineOperation({
  name: 'PutRecord',
  fastCheck: isWellFormedPutRecord,
  fastParse: scanPutRecord,
  spec: PUT_RECORD_SPEC,
  async handle(input, ctx) {
    const name = streamNameOf(ctx, input)
    const stream = ctx.engine.writableStream(name)
    checkRecordSizes(stream, [input], () => 'data')
    const ordering = input.SequenceNumberForOrdering
    if (ordering != null) checkOrderingNumber(ctx.engine.clock.now(), ordering, name, ctx.engine.account)
    const result = await put(ctx.engine, name, [toEntry(input)])
    const o = result.outcomes[0]!
    if (!o.ok) throw new ServiceError(o.errorCode, o.errorMessage)
    return { ShardId: o.shardId, SequenceNumber: o.sequenceNumber, ...encryption(result) }
  },
})

/**
 * SequenceNumberForOrdering must be a well-formed sequence number of version 1 or 2 (see
 * sequence-layout.ts) whose arrival time is not in the future; like AWS, any shard's or stream's
 * number is accepted. Sequence numbers already increase strictly per shard here, so a valid one
 * needs no further action.
 */
function checkOrderingNumber(now: number, value: string, stream: string, account: string): void {
  const parsed = parseClientSequenceNumber(value)
  if (parsed?.version === 3) throw new ServiceError('InternalFailure', 'Internal service failure.')
  if (!parsed || parsed.version === 0 || (parsed.arrivalSeconds ?? 0) * 1000 > now) {
    throw new ServiceError(
      'InvalidArgumentException',
      `ExclusiveMinimumSequenceNumber ${value} used in PutRecord on stream ${stream} under account ${account} is invalid.`,
    )
  }
}
