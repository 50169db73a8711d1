import { describe, expect, it } from 'vitest'
import type { Condition } from '../../../src/bindings/index.ts'
import { type Item, itemSize, MAX_ITEM_BYTES } from '../../../src/services/tables/index.ts'
import { errorOf, openTable } from './helpers.ts'

const CONDITION_FAILED = {
  name: 'ConditionalCheckFailedException',
  message: 'The conditional request failed',
}

describe('get / put / update / delete', () => {
  it('puts an item, gets it back, and replaces it whole on the next put', async () => {
    const { table } = await openTable()
    expect(table.get({ pk: 'a', sk: 1 })).toBeUndefined()

    table.put({ pk: 'a', sk: 1, name: 'first', tags: ['x'], meta: { deep: { n: 1.5 } }, gone: null })
    expect(table.get({ pk: 'a', sk: 1 })).toEqual({
      pk: 'a',
      sk: 1,
      name: 'first',
      tags: ['x'],
      meta: { deep: { n: 1.5 } },
      gone: null,
    })

    table.put({ pk: 'a', sk: 1, other: true })
    expect(table.get({ pk: 'a', sk: 1 })).toEqual({ pk: 'a', sk: 1, other: true })
  })

  it('keeps items with the same partition and different sort keys apart', async () => {
    const { table } = await openTable()
    table.put({ pk: 'a', sk: 1, v: 1 })
    table.put({ pk: 'a', sk: '1', v: 2 })
    table.put({ pk: 'b', sk: 1, v: 3 })
    expect([
      table.get({ pk: 'a', sk: 1 })?.v,
      table.get({ pk: 'a', sk: '1' })?.v,
      table.get({ pk: 'b', sk: 1 })?.v,
    ]).toEqual([1, 2, 3])
    expect(table.count()).toBe(3)
  })

  it('drops undefined attributes and normalizes -0, as JSON does', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'x', missing: undefined, nested: { also: undefined, kept: -0 } })
    const item = table.get({ id: 'x' })!
    expect(item).toEqual({ id: 'x', nested: { kept: 0 } })
    expect(Object.is(item.nested && (item.nested as Item).kept, 0)).toBe(true)
  })

  it('keeps an attribute named __proto__ as an attribute', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    const item = JSON.parse('{"id":"p","__proto__":{"polluted":true},"nested":{"__proto__":1}}')
    table.put(item)
    const stored = table.get({ id: 'p' })!
    expect(Object.keys(stored)).toEqual(['id', '__proto__', 'nested'])
    expect(JSON.stringify(stored)).toBe('{"id":"p","__proto__":{"polluted":true},"nested":{"__proto__":1}}')
    const updated = table.update({ id: 'p' }, JSON.parse('{"set":{"__proto__":2}}'))
    expect(Object.getOwnPropertyDescriptor(updated, '__proto__')?.value).toBe(2)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('update creates a missing item from its key and returns the new item', async () => {
    const { table } = await openTable()
    const created = table.update({ pk: 'a', sk: 2 }, { set: { name: 'n' }, add: { count: 5 } })
    expect(created).toEqual({ pk: 'a', sk: 2, name: 'n', count: 5 })
    expect(table.get({ pk: 'a', sk: 2 })).toEqual(created)
  })

  it('update with no changes creates an item holding only its key', async () => {
    const { table } = await openTable()
    expect(table.update({ pk: 'a', sk: 3 }, {})).toEqual({ pk: 'a', sk: 3 })
    expect(table.count()).toBe(1)
  })

  it('update applies SET, ADD and REMOVE to an existing item', async () => {
    const { table } = await openTable()
    table.put({ pk: 'a', sk: 1, keep: 'k', count: 10, drop: 'x', old: 1 })
    const after = table.update(
      { pk: 'a', sk: 1 },
      {
        set: { old: { replaced: true }, fresh: [1, 2] },
        add: { count: -3, other: 2 },
        remove: ['drop', 'absent'],
      },
    )
    expect(after).toEqual({
      pk: 'a',
      sk: 1,
      keep: 'k',
      count: 7,
      other: 2,
      old: { replaced: true },
      fresh: [1, 2],
    })
    expect(table.get({ pk: 'a', sk: 1 })).toEqual(after)
  })

  it.each([
    [0.1, 0.2, 0.3],
    [1.1, 2.2, 3.3],
    [-0.1, 0.1, 0],
    [0.7, 0.1, 0.8],
    [123.456, -23.456, 100],
  ])('ADD %d + %d is exact decimal arithmetic, as DynamoDB does: %d', async (start, increment, expected) => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'n', v: start })
    expect(table.update({ id: 'n' }, { add: { v: increment } }).v).toBe(expected)
  })

  it('ADD beyond 38 significant digits is refused, as DynamoDB does', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'n', v: 1e30 })
    expect(await errorOf(() => table.update({ id: 'n' }, { add: { v: 1e-10 } }))).toEqual({
      name: 'ValidationException',
      message: 'Attempting to store more than 38 significant digits in a Number',
    })
  })

  it.each([
    ['a string', 'text'],
    ['a boolean', true],
    ['a list', [1]],
    ['a map', { n: 1 }],
    ['null', null],
  ])('ADD to an attribute holding %s is a ValidationException', async (_, stored) => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'x', v: stored })
    expect(await errorOf(() => table.update({ id: 'x' }, { add: { v: 1 } }))).toEqual({
      name: 'ValidationException',
      message: 'An operand in the update expression has an incorrect data type',
    })
    expect(table.get({ id: 'x' })).toEqual({ id: 'x', v: stored })
  })

  it('delete removes the item; deleting an absent item is not an error', async () => {
    const { table } = await openTable()
    table.put({ pk: 'a', sk: 1 })
    table.delete({ pk: 'a', sk: 1 })
    expect(table.get({ pk: 'a', sk: 1 })).toBeUndefined()
    expect(() => table.delete({ pk: 'a', sk: 1 })).not.toThrow()
    expect(table.count()).toBe(0)
  })
})

describe('conditions', () => {
  const stored = {
    pk: 'a',
    sk: 1,
    status: 'open',
    n: 1,
    list: [1, { x: 'y' }],
    map: { a: 1, b: [true] },
    nil: null,
  }

  // [description, condition, holds when the item exists, holds when it does not]
  const cases: Array<[string, Condition, boolean, boolean]> = [
    ['no parts', {}, true, true],
    ['exists: true', { exists: true }, true, false],
    ['exists: false', { exists: false }, false, true],
    ['attributeExists on a present attribute', { attributeExists: ['status'] }, true, false],
    ['attributeExists on a null attribute', { attributeExists: ['nil'] }, true, false],
    ['attributeExists on a key attribute', { attributeExists: ['pk', 'sk'] }, true, false],
    ['attributeExists with one absent attribute', { attributeExists: ['status', 'absent'] }, false, false],
    ['attributeNotExists on an absent attribute', { attributeNotExists: ['absent'] }, true, true],
    ['attributeNotExists on a present attribute', { attributeNotExists: ['status'] }, false, true],
    ['attributeNotExists on the partition key (put-if-absent)', { attributeNotExists: ['pk'] }, false, true],
    ['equals on a string', { equals: { status: 'open' } }, true, false],
    ['equals with another string', { equals: { status: 'closed' } }, false, false],
    ['equals is typed: 1 is not "1"', { equals: { n: '1' } }, false, false],
    ['equals on a number', { equals: { n: 1 } }, true, false],
    ['equals on null', { equals: { nil: null } }, true, false],
    ['equals null on an absent attribute', { equals: { absent: null } }, false, false],
    ['equals on a list, in order', { equals: { list: [1, { x: 'y' }] } }, true, false],
    ['equals on a list, out of order', { equals: { list: [{ x: 'y' }, 1] } }, false, false],
    ['equals on a map, members in any order', { equals: { map: { b: [true], a: 1 } } }, true, false],
    ['equals on a map with an extra member', { equals: { map: { a: 1, b: [true], c: 1 } } }, false, false],
    [
      'all parts together',
      { exists: true, attributeExists: ['n'], attributeNotExists: ['z'], equals: { n: 1 } },
      true,
      false,
    ],
    ['all parts, one failing', { exists: true, attributeExists: ['n'], equals: { n: 2 } }, false, false],
  ]

  it.each(cases)('%s', async (_, condition, holdsWhenPresent, holdsWhenAbsent) => {
    const { table } = await openTable()
    const key = { pk: 'a', sk: 1 }
    const outcome = async (fn: () => unknown) => {
      try {
        await fn()
        return 'held'
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') return 'failed'
        throw e
      }
    }

    // Item absent: put, update and delete each check the condition against nothing.
    expect(await outcome(() => table.delete(key, { condition }))).toBe(holdsWhenAbsent ? 'held' : 'failed')
    expect(await outcome(() => table.update(key, { set: { touched: 1 } }, { condition }))).toBe(
      holdsWhenAbsent ? 'held' : 'failed',
    )
    expect(table.get(key)).toEqual(holdsWhenAbsent ? { ...key, touched: 1 } : undefined)
    table.delete(key)
    expect(await outcome(() => table.put({ ...key, fresh: true }, { condition }))).toBe(
      holdsWhenAbsent ? 'held' : 'failed',
    )

    // Item present.
    table.put(stored)
    expect(await outcome(() => table.update(key, { set: { touched: 2 } }, { condition }))).toBe(
      holdsWhenPresent ? 'held' : 'failed',
    )
    table.put(stored)
    expect(await outcome(() => table.put({ ...key, replaced: true }, { condition }))).toBe(
      holdsWhenPresent ? 'held' : 'failed',
    )
    expect(table.get(key)).toEqual(holdsWhenPresent ? { ...key, replaced: true } : stored)
    table.put(stored)
    expect(await outcome(() => table.delete(key, { condition }))).toBe(holdsWhenPresent ? 'held' : 'failed')
    expect(table.get(key)).toEqual(holdsWhenPresent ? undefined : stored)
  })

  it('a failed condition is ConditionalCheckFailedException and changes nothing', async () => {
    const { table } = await openTable()
    table.put({ pk: 'a', sk: 1, v: 1 })
    expect(
      await errorOf(() => table.put({ pk: 'a', sk: 1, v: 2 }, { condition: { exists: false } })),
    ).toEqual(CONDITION_FAILED)
    expect(
      await errorOf(() =>
        table.update({ pk: 'a', sk: 1 }, { add: { v: 1 } }, { condition: { equals: { v: 9 } } }),
      ),
    ).toEqual(CONDITION_FAILED)
    expect(
      await errorOf(() => table.delete({ pk: 'a', sk: 1 }, { condition: { attributeExists: ['w'] } })),
    ).toEqual(CONDITION_FAILED)
    expect(table.get({ pk: 'a', sk: 1 })).toEqual({ pk: 'a', sk: 1, v: 1 })
  })
})

describe('validation', () => {
  const KEY_MISMATCH = 'The provided key element does not match the schema'
  const v = (message: string) => ({ name: 'ValidationException', message })

  // [description, operation on a table keyed { pk, sk }, expected error]
  const cases: Array<
    [
      string,
      (t: Awaited<ReturnType<typeof openTable>>['table']) => unknown,
      { name: string; message: string },
    ]
  > = [
    [
      'put without the partition key',
      (t) => t.put({ sk: 1 }),
      v('One or more parameter values were invalid: Missing the key pk in the item'),
    ],
    [
      'put without the sort key',
      (t) => t.put({ pk: 'a' }),
      v('One or more parameter values were invalid: Missing the key sk in the item'),
    ],
    [
      'put with a boolean key',
      (t) => t.put({ pk: true, sk: 1 }),
      v(
        'One or more parameter values were invalid: Type mismatch for key pk expected: S, N or B actual: BOOL',
      ),
    ],
    [
      'put with a null sort key',
      (t) => t.put({ pk: 'a', sk: null }),
      v(
        'One or more parameter values were invalid: Type mismatch for key sk expected: S, N or B actual: NULL',
      ),
    ],
    [
      'put with a map key',
      (t) => t.put({ pk: { a: 1 }, sk: 1 }),
      v('One or more parameter values were invalid: Type mismatch for key pk expected: S, N or B actual: M'),
    ],
    [
      'put with an empty string key',
      (t) => t.put({ pk: '', sk: 1 }),
      v(
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
      ),
    ],
    [
      'put with a partition key over 2048 bytes',
      (t) => t.put({ pk: 'é'.repeat(1025), sk: 1 }),
      v(
        'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
      ),
    ],
    [
      'put with a sort key over 1024 bytes',
      (t) => t.put({ pk: 'a', sk: 'x'.repeat(1025) }),
      v(
        'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
      ),
    ],
    [
      'put of a non-object',
      (t) => t.put('text' as never),
      v('One or more parameter values were invalid: the item must be an object of attributes, got S'),
    ],
    [
      'put of a Date attribute',
      (t) => t.put({ pk: 'a', sk: 1, when: new Date(0) }),
      v(
        'One or more parameter values were invalid: when has a value of unsupported type Date; items hold strings, numbers, booleans, null, lists, maps, Uint8Arrays and Sets',
      ),
    ],
    [
      'put of an empty set',
      (t) => t.put({ pk: 'a', sk: 1, tags: new Set() }),
      v('One or more parameter values were invalid: tags is an empty set; DynamoDB sets may not be empty'),
    ],
    [
      'put of a set of mixed types',
      (t) => t.put({ pk: 'a', sk: 1, tags: new Set(['a', 1]) }),
      v(
        'One or more parameter values were invalid: tags is a set of mixed types; a set holds strings, numbers or Uint8Arrays',
      ),
    ],
    [
      'put of an undefined list element',
      (t) => t.put({ pk: 'a', sk: 1, l: [1, undefined] }),
      v('One or more parameter values were invalid: l[1] is undefined; a list element must have a value'),
    ],
    [
      'put of NaN',
      (t) => t.put({ pk: 'a', sk: 1, n: Number.NaN }),
      v('The parameter cannot be converted to a numeric value: NaN'),
    ],
    [
      'put of Infinity',
      (t) => t.put({ pk: 'a', sk: 1, n: Number.POSITIVE_INFINITY }),
      v('The parameter cannot be converted to a numeric value: Infinity'),
    ],
    [
      'put of 1e126',
      (t) => t.put({ pk: 'a', sk: 1, n: 1e126 }),
      v('Number overflow. Attempting to store a number with magnitude larger than supported range'),
    ],
    [
      'put of -1e-131',
      (t) => t.put({ pk: 'a', sk: 1, n: -1e-131 }),
      v('Number underflow. Attempting to store a number with magnitude smaller than supported range'),
    ],
    [
      'put with an empty attribute name',
      (t) => t.put({ pk: 'a', sk: 1, '': 1 }),
      v('One or more parameter values were invalid: An attribute name may not be empty'),
    ],
    [
      'put with unknown options',
      (t) => t.put({ pk: 'a', sk: 1 }, { when: 1 } as never),
      v('Invalid options: only { condition } is accepted'),
    ],
    ['get without the sort key', (t) => t.get({ pk: 'a' }), v(KEY_MISMATCH)],
    ['get with an extra attribute', (t) => t.get({ pk: 'a', sk: 1, other: 1 }), v(KEY_MISMATCH)],
    ['get with a boolean key value', (t) => t.get({ pk: true, sk: 1 } as never), v(KEY_MISMATCH)],
    ['get with a misnamed attribute', (t) => t.get({ id: 'a', sk: 1 }), v(KEY_MISMATCH)],
    ['get with no key', (t) => t.get(undefined as never), v(KEY_MISMATCH)],
    [
      'get with an empty string key',
      (t) => t.get({ pk: 'a', sk: '' }),
      v(
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk',
      ),
    ],
    ['delete without the sort key', (t) => t.delete({ pk: 'a' }), v(KEY_MISMATCH)],
    ['update without the sort key', (t) => t.update({ pk: 'a' }, {}), v(KEY_MISMATCH)],
    [
      'update of a key attribute',
      (t) => t.update({ pk: 'a', sk: 1 }, { set: { sk: 2 } }),
      v(
        'One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key',
      ),
    ],
    [
      'update removing a key attribute',
      (t) => t.update({ pk: 'a', sk: 1 }, { remove: ['pk'] }),
      v(
        'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
      ),
    ],
    [
      'update naming one attribute twice',
      (t) => t.update({ pk: 'a', sk: 1 }, { set: { a: 1 }, remove: ['a'] }),
      v(
        'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
      ),
    ],
    [
      'update ADDing a string',
      (t) => t.update({ pk: 'a', sk: 1 }, { add: { n: '1' as never } }),
      v(
        'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
      ),
    ],
    [
      'update ADDing a list',
      (t) => t.update({ pk: 'a', sk: 1 }, { add: { n: [1] as never } }),
      v(
        'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST',
      ),
    ],
    [
      'update with an unknown clause',
      (t) => t.update({ pk: 'a', sk: 1 }, { delete: ['a'] } as never),
      v("Invalid UpdateExpression: unknown clause 'delete' (use set, add or remove)"),
    ],
    [
      'update setting undefined',
      (t) => t.update({ pk: 'a', sk: 1 }, { set: { a: undefined } }),
      v('One or more parameter values were invalid: set.a is undefined; use remove to delete an attribute'),
    ],
    [
      'a condition with an unknown part',
      (t) => t.put({ pk: 'a', sk: 1 }, { condition: { notEquals: { a: 1 } } as never }),
      v(
        "Invalid ConditionExpression: unknown condition 'notEquals' (use exists, attributeExists, attributeNotExists or equals)",
      ),
    ],
    [
      'a condition with a non-boolean exists',
      (t) => t.delete({ pk: 'a', sk: 1 }, { condition: { exists: 'yes' } as never }),
      v('Invalid ConditionExpression: exists must be true or false'),
    ],
    [
      'a condition with a bad name list',
      (t) => t.delete({ pk: 'a', sk: 1 }, { condition: { attributeExists: 'a' } as never }),
      v('Invalid ConditionExpression: attributeExists: expected a list of attribute names'),
    ],
  ]

  it.each(cases)('%s', async (_, operation, expected) => {
    const { table } = await openTable()
    expect(await errorOf(() => operation(table))).toEqual(expected)
    expect(table.count()).toBe(0)
  })
})

describe('item size', () => {
  it('counts names and values as DynamoDB documents', () => {
    // id(2) + abc(3); n(1) + 3 digits(3); b(1) + 1; l(1) + 3 + (1 + 2) + (1 + 1); m(1) + 3 + 1 + k(1) + v(1)
    expect(itemSize({ id: 'abc', n: 123, b: true, l: [1, 'x'], m: { k: 'v' } })).toBe(27)
    expect(itemSize({ é: 'é' })).toBe(4)
    expect(itemSize({ n: 0.000123 })).toBe(1 + 3)
  })

  it('accepts an item of exactly 400 KB and refuses one byte more', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    const filler = MAX_ITEM_BYTES - 'id'.length - 'x'.length - 'data'.length
    table.put({ id: 'x', data: 'a'.repeat(filler) })
    expect(await errorOf(() => table.put({ id: 'x', data: 'a'.repeat(filler + 1) }))).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    })
    expect(await errorOf(() => table.update({ id: 'x' }, { set: { more: 'b' } }))).toEqual({
      name: 'ValidationException',
      message: 'Item size to update has exceeded the maximum allowed size',
    })
    expect((table.get({ id: 'x' })!.data as string).length).toBe(filler)
  })
})
