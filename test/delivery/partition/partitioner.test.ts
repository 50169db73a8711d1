import { describe, expect, it } from 'vitest'
import {
  MAX_ACTIVE_PARTITIONS,
  PARTITIONING_ERROR_CODES,
  type PartitionInput,
  partitionBatch,
} from '../../../src/delivery/partition/partitioner.ts'
import { parsePrefix } from '../../../src/delivery/partition/prefix.ts'

const AT = Date.UTC(2024, 4, 1, 13)
const prefix = parsePrefix('tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy/MM/dd/HH}/', {
  kind: 'prefix',
  dynamicPartitioning: true,
})
const record = (tenant: string, arrivalMs = AT): PartitionInput => ({ arrivalMs, keys: { tenant } })

describe('partitionBatch', () => {
  it('groups records by evaluated prefix, keeping input order', () => {
    const { partitions, errors } = partitionBatch(
      [record('a'), record('b'), record('a'), record('a', AT + 3_600_000)],
      { prefix, randomString: 'r' },
    )
    expect(errors).toEqual([])
    expect([...partitions]).toEqual([
      ['tenant=a/2024/05/01/13/', [0, 2]],
      ['tenant=b/2024/05/01/13/', [1]],
      ['tenant=a/2024/05/01/14/', [3]],
    ])
  })

  it('sends the 501st distinct partition to the error prefix', () => {
    const inputs = Array.from({ length: MAX_ACTIVE_PARTITIONS + 2 }, (_, i) => record(`t${i}`))
    inputs.push(record('t0'), record(`t${MAX_ACTIVE_PARTITIONS}`))
    const { partitions, errors } = partitionBatch(inputs, { prefix, randomString: 'r' })
    expect(partitions.size).toBe(MAX_ACTIVE_PARTITIONS)
    expect(partitions.get('tenant=t0/2024/05/01/13/')).toEqual([0, MAX_ACTIVE_PARTITIONS + 2])
    expect(errors.map((e) => e.index)).toEqual([500, 501, 503])
    expect(errors[0]).toMatchInlineSnapshot(`
      {
        "errorCode": "DynamicPartitioning.ActivePartitionsLimitExceeded",
        "errorMessage": "The number of active partitions exceeds the limit of 500 for this delivery stream.",
        "index": 500,
        "outputType": "partitioning-failed",
      }
    `)
  })

  it('counts partitions the caller already has open', () => {
    const active = new Set(['tenant=open/2024/05/01/13/', 'tenant=other/2024/05/01/13/'])
    const { partitions, errors } = partitionBatch([record('open'), record('new1'), record('new2')], {
      prefix,
      randomString: 'r',
      activePartitions: active,
      maxActivePartitions: 3,
    })
    expect([...partitions.keys()]).toEqual(['tenant=open/2024/05/01/13/', 'tenant=new1/2024/05/01/13/'])
    expect(errors.map((e) => [e.index, e.errorCode])).toEqual([
      [2, PARTITIONING_ERROR_CODES.activePartitionsExceeded],
    ])
  })

  it('routes upstream failures, hostile values, missing keys and over-long prefixes to errors', () => {
    const { partitions, errors } = partitionBatch(
      [
        {
          arrivalMs: AT,
          failure: {
            errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
            errorMessage: 'Non JSON record provided',
          },
        },
        record('../../etc'),
        { arrivalMs: AT, keys: {} },
        record('x'.repeat(200)),
        {
          arrivalMs: AT,
          failure: {
            errorCode: 'Lambda.FunctionError',
            errorMessage: 'boom',
            outputType: 'processing-failed',
          },
        },
        record('ok'),
      ],
      {
        prefix: parsePrefix(
          '!{partitionKeyFromQuery:tenant}/!{partitionKeyFromQuery:tenant}/!{partitionKeyFromQuery:tenant}/',
          { kind: 'prefix', dynamicPartitioning: true },
        ),
        randomString: 'r',
      },
    )
    expect([...partitions.keys()]).toEqual(['ok/ok/ok/'])
    expect(errors).toMatchInlineSnapshot(`
      [
        {
          "errorCode": "DynamicPartitioning.MetadataExtractionFailed",
          "errorMessage": "Non JSON record provided",
          "index": 0,
          "outputType": "partitioning-failed",
        },
        {
          "errorCode": "DynamicPartitioning.InvalidPartitionKeyValue",
          "errorMessage": "Partition key value must not contain "/" or "\\" (key "tenant", reason path-separator)",
          "index": 1,
          "outputType": "partitioning-failed",
        },
        {
          "errorCode": "DynamicPartitioning.PrefixEvaluationFailed",
          "errorMessage": "No value for !{partitionKeyFromQuery:tenant}",
          "index": 2,
          "outputType": "partitioning-failed",
        },
        {
          "errorCode": "DynamicPartitioning.PrefixEvaluationFailed",
          "errorMessage": "The evaluated prefix is 603 characters; the limit is 512.",
          "index": 3,
          "outputType": "partitioning-failed",
        },
        {
          "errorCode": "Lambda.FunctionError",
          "errorMessage": "boom",
          "index": 4,
          "outputType": "processing-failed",
        },
      ]
    `)
  })
})
