import { describe, expect, it } from 'vitest'
import { InlineEncoder } from '../../../src/delivery/encoders/index.ts'
import { PartitionLedger } from '../../../src/delivery/streams/active-partitions.ts'
import {
  ACTIVE_PARTITIONS_EXCEEDED,
  type FlushDeps,
  type FlushPlan,
  planFlush,
} from '../../../src/delivery/streams/flush.ts'
import type { DeliveryRecord } from '../../../src/delivery/streams/records.ts'

/** Dynamic partitioning by the record's `device` field (as `partitionKeyFromQuery` would). */
function plan(overrides: Partial<FlushPlan> = {}): FlushPlan {
  return {
    delivery: 'd',
    bucket: 'b',
    prefix: {
      render: ({ keys }) => {
        if (keys?.device === undefined) throw new Error('partitionKeyFromQuery:device has no value')
        return `data/device=${keys.device}/`
      },
    },
    errorPrefix: { render: ({ errorOutputType }) => `errors/${errorOutputType}/` },
    format: 'ndjson',
    compression: 'UNCOMPRESSED',
    appendNewline: true,
    dynamicPartitioning: true,
    extractKeys: async (data) =>
      data.map((d) => {
        const { device } = JSON.parse(d.toString()) as { device?: string }
        const keys: Record<string, string> = device === undefined ? {} : { device }
        return { ok: true, keys }
      }),
    partitions: new PartitionLedger({ limit: 500, windowMs: 60_000 }),
    checkPartitionValue: () => ({ ok: true }),
    checkObjectKey: () => ({ ok: true }),
    errorLine: (f) => JSON.stringify({ errorCode: f.errorCode, errorMessage: f.errorMessage }),
    ...overrides,
  }
}

const deps: FlushDeps = {
  writer: { putObject: async () => ({ etag: '', size: 0 }), deleteObject: async () => undefined },
  encoder: new InlineEncoder(),
  invoker: { invoke: async () => ({}) } as unknown as FlushDeps['invoker'],
  now: () => 0,
}

function records(devices: readonly (string | undefined)[]): DeliveryRecord[] {
  return devices.map((device, i) => ({
    ordinal: i,
    sequenceNumber: String(i).padStart(20, '0'),
    subsequenceNumber: 0,
    partitionKey: 'pk',
    arrivalMs: 1000 + i,
    data: Buffer.from(JSON.stringify(device === undefined ? { n: i } : { device, n: i })),
    recordId: `${String(i).padStart(20, '0')}00000000`,
  }))
}

const id = { shardTag: 'shardId-000000000000', firstSequence: '1', lastSequence: '2' }

describe('planFlush with dynamic partitioning', () => {
  it('sends the records of partitions beyond the quota to partitioning-failed with Firehose’s message', async () => {
    const out = await planFlush(
      plan({ partitions: new PartitionLedger({ limit: 2, windowMs: 60_000 }) }),
      deps,
      records(['a', 'b', 'a', 'c', 'c', 'b']),
      id,
    )
    expect(out.objects.filter((o) => o.kind === 'data').map((o) => [o.key.split('/')[1], o.records])).toEqual(
      [
        ['device=a', 2],
        ['device=b', 2],
      ],
    )
    expect(out.failed.map((f) => [f.record.ordinal, f.outputType, f.errorCode, f.errorMessage])).toEqual([
      [3, 'partitioning-failed', ACTIVE_PARTITIONS_EXCEEDED.code, ACTIVE_PARTITIONS_EXCEEDED.message],
      [4, 'partitioning-failed', ACTIVE_PARTITIONS_EXCEEDED.code, ACTIVE_PARTITIONS_EXCEEDED.message],
    ])
    expect(out.partitions).toBe(2)
    const errors = out.objects.find((o) => o.kind === 'error')!
    expect(errors.key.startsWith('errors/partitioning-failed/')).toBe(true)
    expect(errors.records).toBe(2)
  })

  it('refuses a prefix over 512 characters once evaluated, and a prefix naming a key the record lacks', async () => {
    const long = 'x'.repeat(500)
    const out = await planFlush(plan(), deps, records(['a', long, undefined, 'a']), id)
    expect(out.objects.filter((o) => o.kind === 'data').map((o) => o.records)).toEqual([2])
    expect(out.failed.map((f) => [f.record.ordinal, f.errorCode, f.errorMessage])).toEqual([
      [
        1,
        'DynamicPartitioning.PrefixEvaluationFailed',
        'The evaluated prefix is 513 characters; the limit is 512.',
      ],
      [2, 'DynamicPartitioning.MissingPartitionKey', 'partitionKeyFromQuery:device has no value'],
    ])
  })

  it('takes a prefix of exactly 512 characters', async () => {
    const out = await planFlush(plan(), deps, records(['y'.repeat(512 - 'data/device=/'.length)]), id)
    expect(out.failed).toEqual([])
    expect(out.objects.map((o) => o.kind)).toEqual(['data'])
  })
})
