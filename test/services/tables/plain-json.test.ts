import { describe, expect, it } from 'vitest'
import { keyFromPlainJson, toPlainJson } from '../../../src/services/tables/plain-json.ts'

describe('items as plain JSON (the dashboard)', () => {
  it('writes B and sets in DynamoDB’s notation, and reads B key values back', () => {
    const item = {
      id: new Uint8Array([1, 2]),
      tags: new Set(['a']),
      ns: new Set([1, 2]),
      bs: new Set([new Uint8Array([255])]),
      m: { l: [new Uint8Array([0])], n: 1 },
    }
    const plain = toPlainJson(item)
    expect(JSON.parse(JSON.stringify(plain))).toEqual({
      id: { B: 'AQI=' },
      tags: { SS: ['a'] },
      ns: { NS: [1, 2] },
      bs: { BS: ['/w=='] },
      m: { l: [{ B: 'AA==' }], n: 1 },
    })
    expect(keyFromPlainJson({ id: { B: 'AQI=' }, sk: 3 })).toEqual({ id: new Uint8Array([1, 2]), sk: 3 })
  })
})
