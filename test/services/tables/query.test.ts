import { describe, expect, it } from 'vitest'
import type { QueryOptions, SortKeyCondition, TableKey } from '../../../src/bindings/index.ts'
import type { TableService } from '../../../src/services/tables/index.ts'
import { errorOf, openTable } from './helpers.ts'

const sortValues = (table: TableService, options: QueryOptions) => table.query(options).items.map((i) => i.sk)

/** Every page of a query, following lastKey until DynamoDB would stop. */
function allPages(table: TableService, options: QueryOptions) {
  const pages: Array<{ sks: unknown[]; lastKey?: TableKey }> = []
  let startAfter: TableKey | undefined
  do {
    const page = table.query({ ...options, ...(startAfter ? { startAfter } : {}) })
    pages.push({ sks: page.items.map((i) => i.sk), ...(page.lastKey ? { lastKey: page.lastKey } : {}) })
    startAfter = page.lastKey
  } while (startAfter && pages.length < 100)
  return pages
}

describe('key ordering', () => {
  it('sorts number sort keys numerically, negatives and fractions included', async () => {
    const { table } = await openTable()
    const numbers = [10, -1.5, 2, 0, 100, -10, 1e-100, -1e100, 9.99, 1e125, 3]
    for (const sk of numbers) table.put({ pk: 'p', sk })
    expect(sortValues(table, { partitionKey: 'p' })).toEqual([...numbers].sort((a, b) => a - b))
    expect(sortValues(table, { partitionKey: 'p', scanForward: false })).toEqual(
      [...numbers].sort((a, b) => b - a),
    )
  })

  it('sorts string sort keys by UTF-8 bytes, not by UTF-16 code units or locale', async () => {
    const { table } = await openTable()
    // U+FF5E encodes as EF BD 9E; U+1F600 as F0 9F 98 80, so UTF-8 puts the emoji last while
    // JavaScript's default sort (UTF-16 code units, D83D < FF5E) puts it first.
    const strings = ['b', 'B', 'a', 'aa', 'a b', '10', '9', 'é', '\uFF5E', '😀', 'Z']
    for (const sk of strings) table.put({ pk: 'p', sk })
    const utf8Order = [...strings].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    expect(utf8Order).not.toEqual([...strings].sort())
    expect(sortValues(table, { partitionKey: 'p' })).toEqual(utf8Order)
  })

  it('puts numbers before strings when one partition mixes both', async () => {
    const { table } = await openTable()
    for (const sk of ['1', 2, 'a', 1]) table.put({ pk: 'p', sk })
    expect(sortValues(table, { partitionKey: 'p' })).toEqual([1, 2, '1', 'a'])
  })

  it('treats the number 1 and the string "1" as different partitions', async () => {
    const { table } = await openTable()
    table.put({ pk: 1, sk: 1, v: 'number' })
    table.put({ pk: '1', sk: 1, v: 'string' })
    expect(table.query({ partitionKey: 1 }).items.map((i) => i.v)).toEqual(['number'])
    expect(table.query({ partitionKey: '1' }).items.map((i) => i.v)).toEqual(['string'])
  })
})

describe('sort key conditions', () => {
  const numeric: Array<[SortKeyCondition, number[]]> = [
    [{ equals: 5 }, [5]],
    [{ equals: 11 }, []],
    [{ lessThan: 3 }, [1, 2]],
    [{ lessThanOrEqual: 3 }, [1, 2, 3]],
    [{ greaterThan: 8 }, [9, 10]],
    [{ greaterThanOrEqual: 8 }, [8, 9, 10]],
    [{ between: [4, 6] }, [4, 5, 6]],
    [{ between: [4, 4] }, [4]],
    [{ between: [-100, 1.5] }, [1]],
    [{ lessThan: 1 }, []],
  ]

  it.each(numeric)('numbers 1..10 with %j → %j', async (condition, expected) => {
    const { table } = await openTable()
    for (let sk = 1; sk <= 10; sk++) table.put({ pk: 'p', sk })
    table.put({ pk: 'p', sk: 'strings are never in a numeric range' })
    table.put({ pk: 'other', sk: 5 })
    expect(sortValues(table, { partitionKey: 'p', sortKey: condition })).toEqual(expected)
    expect(sortValues(table, { partitionKey: 'p', sortKey: condition, scanForward: false })).toEqual(
      [...expected].reverse(),
    )
  })

  const textual: Array<[SortKeyCondition, string[]]> = [
    [{ beginsWith: '2026-01' }, ['2026-01-01', '2026-01-15', '2026-01-31']],
    [{ beginsWith: '2026-01-1' }, ['2026-01-15']],
    [{ beginsWith: '2027' }, []],
    [{ beginsWith: '2026-02' }, ['2026-02-01', '2026-02-01#b']],
    [{ between: ['2026-01-10', '2026-02-01'] }, ['2026-01-15', '2026-01-31', '2026-02-01']],
    [{ greaterThan: '2026-02-01' }, ['2026-02-01#b', 'z']],
    [{ lessThan: '2026-01-15' }, ['2025-12-31', '2026-01-01']],
    [{ equals: 'z' }, ['z']],
  ]

  it.each(textual)('strings with %j → %j', async (condition, expected) => {
    const { table } = await openTable()
    for (const sk of [
      '2026-01-15',
      '2025-12-31',
      '2026-02-01#b',
      'z',
      '2026-01-01',
      '2026-02-01',
      '2026-01-31',
    ]) {
      table.put({ pk: 'p', sk })
    }
    table.put({ pk: 'p', sk: 7 })
    expect(sortValues(table, { partitionKey: 'p', sortKey: condition })).toEqual(expected)
  })

  it('queries a table without a sort key by partition only', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'a', v: 1 })
    table.put({ id: 'b', v: 2 })
    expect(table.query({ partitionKey: 'a' }).items).toEqual([{ id: 'a', v: 1 }])
    expect(table.query({ partitionKey: 'c' })).toEqual({ items: [] })
  })

  const v = (message: string) => ({ name: 'ValidationException', message })
  const invalid: Array<[string, (t: TableService) => unknown, { name: string; message: string }]> = [
    ['no partition key', (t) => t.query({} as never), v('Query condition missed key schema element: pk')],
    [
      'a boolean partition key',
      (t) => t.query({ partitionKey: true as never }),
      v('One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ],
    [
      'an empty partition key',
      (t) => t.query({ partitionKey: '' }),
      v(
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
      ),
    ],
    [
      'two operators',
      (t) => t.query({ partitionKey: 'p', sortKey: { equals: 1, lessThan: 2 } as never }),
      v(
        'Invalid KeyConditionExpression: a sort key condition takes exactly one of equals, lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual, between, beginsWith',
      ),
    ],
    [
      'an unknown operator',
      (t) => t.query({ partitionKey: 'p', sortKey: { contains: 'a' } as never }),
      v(
        'Invalid KeyConditionExpression: a sort key condition takes exactly one of equals, lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual, between, beginsWith',
      ),
    ],
    [
      'beginsWith a number',
      (t) => t.query({ partitionKey: 'p', sortKey: { beginsWith: 1 as never } }),
      v(
        'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      ),
    ],
    [
      'between reversed bounds',
      (t) => t.query({ partitionKey: 'p', sortKey: { between: [5, 1] } }),
      v(
        'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}',
      ),
    ],
    [
      'between mixed types',
      (t) => t.query({ partitionKey: 'p', sortKey: { between: [1, 'a'] } }),
      v('One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ],
    [
      'a boolean operand',
      (t) => t.query({ partitionKey: 'p', sortKey: { equals: false as never } }),
      v('One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ],
    [
      'limit 0',
      (t) => t.query({ partitionKey: 'p', limit: 0 }),
      v(
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'limit 1.5',
      (t) => t.query({ partitionKey: 'p', limit: 1.5 }),
      v(
        "1 validation error detected: Value '1.5' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'startAfter without its sort key',
      (t) => t.query({ partitionKey: 'p', startAfter: { pk: 'p' } }),
      v('The provided starting key is invalid'),
    ],
    [
      'startAfter in another partition',
      (t) => t.query({ partitionKey: 'p', startAfter: { pk: 'q', sk: 1 } }),
      v('The provided starting key is outside query boundaries based on provided conditions'),
    ],
    [
      'startAfter outside the sort condition',
      (t) => t.query({ partitionKey: 'p', sortKey: { greaterThan: 5 }, startAfter: { pk: 'p', sk: 5 } }),
      v('The provided starting key does not match the range key predicate'),
    ],
  ]

  it.each(invalid)('refuses %s', async (_, operation, expected) => {
    const { table } = await openTable()
    expect(await errorOf(() => operation(table))).toEqual(expected)
  })

  it('refuses a sort key condition on a table without a sort key', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    expect(await errorOf(() => table.query({ partitionKey: 'a', sortKey: { equals: 1 } }))).toEqual({
      name: 'ValidationException',
      message: 'Query key condition not supported',
    })
  })
})

describe('pagination', () => {
  async function tenItems() {
    const { table } = await openTable()
    for (let sk = 1; sk <= 10; sk++) table.put({ pk: 'p', sk, payload: `item ${sk}` })
    table.put({ pk: 'q', sk: 1 })
    return table
  }

  it.each([
    [3, true, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]],
    [5, true, [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], []]],
    [10, true, [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], []]],
    [11, true, [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]],
    [
      4,
      false,
      [
        [10, 9, 8, 7],
        [6, 5, 4, 3],
        [2, 1],
      ],
    ],
    [2, false, [[10, 9], [8, 7], [6, 5], [4, 3], [2, 1], []]],
  ])(
    'limit %i, forward %s pages through every item once, lastKey on each full page',
    async (limit, scanForward, expected) => {
      const table = await tenItems()
      const pages = allPages(table, { partitionKey: 'p', limit, scanForward })
      expect(pages.map((p) => p.sks)).toEqual(expected)
      // As DynamoDB: a page that reached Limit carries lastKey even when nothing follows it.
      pages.forEach((page) => {
        expect(page.lastKey).toEqual(page.sks.length === limit ? { pk: 'p', sk: page.sks.at(-1) } : undefined)
      })
    },
  )

  it('pages within a sort key condition', async () => {
    const table = await tenItems()
    const pages = allPages(table, { partitionKey: 'p', sortKey: { between: [3, 8] }, limit: 4 })
    expect(pages.map((p) => p.sks)).toEqual([
      [3, 4, 5, 6],
      [7, 8],
    ])
    const back = allPages(table, {
      partitionKey: 'p',
      sortKey: { greaterThanOrEqual: 6 },
      limit: 3,
      scanForward: false,
    })
    expect(back.map((p) => p.sks)).toEqual([
      [10, 9, 8],
      [7, 6],
    ])
  })

  it('continues after a startAfter key whose item was deleted meanwhile', async () => {
    const table = await tenItems()
    const first = table.query({ partitionKey: 'p', limit: 3 })
    table.delete(first.lastKey!)
    expect(sortValues(table, { partitionKey: 'p', limit: 3, startAfter: first.lastKey! })).toEqual([4, 5, 6])
  })

  it('ends a page at 1 MB of items, as DynamoDB does', async () => {
    const { table } = await openTable()
    const big = 'x'.repeat(300 * 1024)
    for (let sk = 1; sk <= 5; sk++) table.put({ pk: 'p', sk, big })
    const pages = allPages(table, { partitionKey: 'p' })
    expect(pages.map((p) => p.sks)).toEqual([
      [1, 2, 3],
      [4, 5],
    ])
    expect(pages[0]!.lastKey).toEqual({ pk: 'p', sk: 3 })
    expect(pages[1]!.lastKey).toBeUndefined()
  })
})

describe('scan and count', () => {
  it('scans every item in key order, in pages', async () => {
    const { table } = await openTable()
    const keys = [
      ['b', 2],
      ['a', 'z'],
      ['a', 1],
      [3, 1],
      ['b', 1],
    ] as const
    for (const [pk, sk] of keys) table.put({ pk, sk })
    expect(table.count()).toBe(5)
    const all = table.scan().items.map((i) => [i.pk, i.sk])
    expect(all).toEqual([
      [3, 1],
      ['a', 1],
      ['a', 'z'],
      ['b', 1],
      ['b', 2],
    ])

    const first = table.scan({ limit: 2 })
    expect(first.items.map((i) => [i.pk, i.sk])).toEqual(all.slice(0, 2))
    expect(first.lastKey).toEqual({ pk: 'a', sk: 1 })
    const second = table.scan({ limit: 2, startAfter: first.lastKey! })
    expect(second.items.map((i) => [i.pk, i.sk])).toEqual(all.slice(2, 4))
    const third = table.scan({ limit: 2, startAfter: second.lastKey! })
    expect(third).toEqual({ items: [{ pk: 'b', sk: 2 }] })
  })

  it('keeps tables apart in one state store', async () => {
    const { table, store } = await openTable()
    const { TableService } = await import('../../../src/services/tables/index.ts')
    const other = new TableService(store, 'other', { partitionKey: 'pk', sortKey: 'sk' })
    table.put({ pk: 'a', sk: 1, in: 'things' })
    other.put({ pk: 'a', sk: 1, in: 'other' })
    expect(table.get({ pk: 'a', sk: 1 })?.in).toBe('things')
    expect(other.scan().items).toEqual([{ pk: 'a', sk: 1, in: 'other' }])
    expect([table.count(), other.count()]).toEqual([1, 1])
  })
})
