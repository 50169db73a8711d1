import { describe, expect, it } from 'vitest'
import { judgeBatchResponse } from '../../../src/functions/kinesis/response.ts'

const seqs = ['100', '200', '300']

describe('ReportBatchItemFailures responses (AWS rules)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('%s means success', (_name, response) => {
    expect(judgeBatchResponse(response, seqs)).toEqual({ kind: 'success' })
  })

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelled key', { batchItemFailures: [{ itemId: '200' }] }],
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '999' }] }],
    ['a list that is not a list', { batchItemFailures: 'oops' }],
  ])('%s means the whole batch failed', (_name, response) => {
    expect(judgeBatchResponse(response, seqs).kind).toBe('failure')
  })

  it('retries from the lowest failed sequence number', () => {
    expect(
      judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] }, seqs),
    ).toEqual({ kind: 'partial', fromIndex: 1 })
  })
})
