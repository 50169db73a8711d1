import { describe, expect, it } from 'vitest'
import { judgeBatchItemFailures, readBatchItemFailures } from '../../src/functions/batch-item-failures.ts'

describe('readBatchItemFailures (one reading for every event source)', () => {
  it.each([
    ['undefined', undefined],
    ['a number', 7],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('%s lists nothing', (_name, response) => {
    expect(readBatchItemFailures(response)).toEqual({ kind: 'none' })
  })

  it('lists identifiers in the order given, duplicates kept, before any source judges them', () => {
    const response = {
      batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'a' }, { itemIdentifier: 'b' }],
    }
    expect(readBatchItemFailures(response)).toEqual({ kind: 'listed', identifiers: ['b', 'a', 'b'] })
  })

  it.each([
    ['a list that is not a list', { batchItemFailures: {} }, 'batchItemFailures is not a list'],
    ['a missing itemIdentifier', { batchItemFailures: [{}] }, 'an itemIdentifier is missing or empty'],
  ])('%s is invalid', (_name, response, reason) => {
    expect(readBatchItemFailures(response)).toEqual({ kind: 'invalid', reason })
  })
})

// Kinesis (sequence numbers): retried from the lowest failed one.

const seqs = ['100', '200', '300']

describe('ReportBatchItemFailures responses (AWS rules)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('%s means success', (_name, response) => {
    expect(judgeBatchItemFailures('kinesis', response, seqs)).toEqual({ kind: 'success' })
  })

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelled key', { batchItemFailures: [{ itemId: '200' }] }],
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '999' }] }],
    ['a list that is not a list', { batchItemFailures: 'oops' }],
  ])('%s means the whole batch failed', (_name, response) => {
    expect(judgeBatchItemFailures('kinesis', response, seqs).kind).toBe('failure')
  })

  it('retries from the lowest failed sequence number', () => {
    expect(
      judgeBatchItemFailures(
        'kinesis',
        { batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] },
        seqs,
      ),
    ).toEqual({ kind: 'partial', fromIndex: 1 })
  })
})

// SQS (message ids): only the listed messages stay in the queue.

const IDS = new Set(['m-1', 'm-2', 'm-3'])

describe('ReportBatchItemFailures responses (AWS’s success and failure conditions)', () => {
  it.each([
    ['undefined (no return value)', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
    ['a string', 'done'],
  ])('%s is a complete success', (_, response) => {
    expect(judgeBatchItemFailures('sqs', response, IDS)).toEqual({ kind: 'success' })
  })

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelled key', { batchItemFailures: [{ itemId: 'm-1' }] }],
    ['a messageId not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 1 }] }],
    ['a null entry', { batchItemFailures: [null] }],
    ['a list that is not a list', { batchItemFailures: 'm-1' }],
    [
      'one bad entry among good ones',
      { batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: '' }] },
    ],
  ])('%s fails the whole batch', (_, response) => {
    expect(judgeBatchItemFailures('sqs', response, IDS).kind).toBe('failure')
  })

  it('reports exactly the listed messages as failed', () => {
    const verdict = judgeBatchItemFailures(
      'sqs',
      {
        batchItemFailures: [{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }],
      },
      IDS,
    )
    expect(verdict).toEqual({ kind: 'partial', failed: new Set(['m-1', 'm-3']) })
  })
})
