import { describe, expect, it } from 'vitest'
import { judgeSqsBatchResponse } from '../../../src/functions/queues/batch-response.ts'

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
    expect(judgeSqsBatchResponse(response, IDS)).toEqual({ kind: 'success' })
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
    expect(judgeSqsBatchResponse(response, IDS).kind).toBe('failure')
  })

  it('reports exactly the listed messages as failed', () => {
    const verdict = judgeSqsBatchResponse(
      {
        batchItemFailures: [{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }],
      },
      IDS,
    )
    expect(verdict).toEqual({ kind: 'partial', failed: new Set(['m-1', 'm-3']) })
  })
})
