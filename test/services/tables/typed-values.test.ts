import { describe, expect, it } from 'vitest'
import { TableService } from '../../../src/services/tables/index.ts'
import { decodeItem, encodeItem } from '../../../src/services/tables/item-codec.ts'
import type { Item } from '../../../src/services/tables/values.ts'
import { errorOf, openTable } from './helpers.ts'

describe('typed values in the table service', () => {
  it('stores B and sets losslessly, whatever the attribute names, and plain items as plain JSON', () => {
    const tricky: Item = {
      id: 'a',
      bytes: new Uint8Array([0, 1, 254, 255]),
      ss: new Set(['x', 'y']),
      ns: new Set([1.5, -3]),
      bs: new Set([new Uint8Array([9]), new Uint8Array([])]),
      // Maps shaped like the encoding's tags, and names starting with U+0000, stay maps.
      lookalike: { '\u0000B': 'AAE=' },
      '\u0000SS': ['not', 'a', 'set'],
      '\u0000\u0000x': { '\u0000': 1 },
      list: [new Set(['in a list']), { m: new Uint8Array([7]) }],
    }
    const text = encodeItem(tricky)
    expect(decodeItem(text)).toEqual(tricky)
    expect(decodeItem(text).bytes).toBeInstanceOf(Uint8Array)

    const plain = { id: 'a', n: 1, l: [true, null], m: { s: 'x' } }
    expect(encodeItem(plain)).toBe(JSON.stringify(plain))
    expect(decodeItem(JSON.stringify(plain))).toEqual(plain)
  })

  it('reads items stored before B and sets existed (plain JSON rows)', async () => {
    const { table, store } = await openTable({ partitionKey: 'id' }, 'legacy')
    const stored = { id: 'old', n: 42, m: { '\u0000B': 'AAE=' } }
    // A row exactly as earlier versions wrote it.
    store.db
      .prepare('INSERT INTO table_items (table_name, pk, sk, item, size) VALUES (?, ?, ?, ?, ?)')
      .run('legacy', Buffer.from([0x02, ...Buffer.from('old')]), Buffer.alloc(0), JSON.stringify(stored), 20)
    expect(table.get({ id: 'old' })).toEqual(stored)
    expect(table.scan().items).toEqual([stored])
  })

  it('takes Uint8Arrays and Sets from handlers, with DynamoDB’s set rules, and adds to sets', async () => {
    const { table } = await openTable({ partitionKey: 'id' })
    table.put({ id: 'a', raw: Buffer.from('hi'), tags: new Set(['x']) })
    const item = table.get({ id: 'a' })!
    // A Buffer is kept as a plain Uint8Array (what a worker's structured clone gives back).
    expect(item.raw).toEqual(new Uint8Array(Buffer.from('hi')))
    expect(Object.getPrototypeOf(item.raw)).toBe(Uint8Array.prototype)
    expect(item.tags).toEqual(new Set(['x']))
    expect(
      await errorOf(() => table.put({ id: 'b', s: new Set([new Uint8Array([1]), new Uint8Array([1])]) })),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Input collection [AQ==, AQ==]of type BS contains duplicates.',
    })
  })

  it('keys of type B, and typed keys refused with DynamoDB’s Type mismatch', async () => {
    const { store } = await openTable()
    const blobs = new TableService(store, 'blobs', {
      partitionKey: 'id',
      sortKey: 'n',
      attributeTypes: { id: 'B', n: 'N' },
    })
    blobs.put({ id: new Uint8Array([1, 2]), n: 2 })
    blobs.put({ id: new Uint8Array([1, 2]), n: 1 })
    expect(blobs.get({ id: new Uint8Array([1, 2]) as never, n: 1 })).toEqual({
      id: new Uint8Array([1, 2]),
      n: 1,
    })
    expect(blobs.query({ partitionKey: new Uint8Array([1, 2]) as never }).items.map((i) => i.n)).toEqual([
      1, 2,
    ])
    expect(await errorOf(() => blobs.put({ id: 'text', n: 1 }))).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Type mismatch for key id expected: B actual: S',
    })
    expect(await errorOf(() => blobs.put({ id: new Uint8Array(0), n: 1 }))).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: id',
    })
  })
})
