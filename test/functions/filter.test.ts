import { describe, expect, it } from 'vitest'
import { matches, parsePattern, RecordFilter } from '../../src/functions/filter.ts'

const event = {
  partitionKey: 'device-7',
  data: { temperature: 31.5, city: 'Berlin', tags: ['a', 'b'], ip: '10.0.0.42', nested: { level: 3 } },
}

describe('event filter patterns', () => {
  it.each([
    ['exact string', { partitionKey: ['device-7'] }, true],
    ['exact miss', { partitionKey: ['device-8'] }, false],
    ['nested', { data: { nested: { level: [3] } } }, true],
    ['prefix', { partitionKey: [{ prefix: 'device-' }] }, true],
    ['suffix', { partitionKey: [{ suffix: '-8' }] }, false],
    ['equals-ignore-case', { data: { city: [{ 'equals-ignore-case': 'berlin' }] } }, true],
    ['anything-but value', { data: { city: [{ 'anything-but': 'Paris' }] } }, true],
    ['anything-but list', { data: { city: [{ 'anything-but': ['Berlin', 'Paris'] }] } }, false],
    ['anything-but prefix', { data: { city: [{ 'anything-but': { prefix: 'Ber' } }] } }, false],
    ['numeric range', { data: { temperature: [{ numeric: ['>', 30, '<=', 40] }] } }, true],
    ['numeric miss', { data: { temperature: [{ numeric: ['<', 30] }] } }, false],
    ['exists', { data: { city: [{ exists: true }] } }, true],
    ['not exists', { data: { humidity: [{ exists: false }] } }, true],
    ['exists on a missing field', { data: { humidity: [{ exists: true }] } }, false],
    ['array element', { data: { tags: ['b'] } }, true],
    ['wildcard', { partitionKey: [{ wildcard: 'dev*7' }] }, true],
    ['cidr', { data: { ip: [{ cidr: '10.0.0.0/24' }] } }, true],
    ['cidr miss', { data: { ip: [{ cidr: '10.0.1.0/24' }] } }, false],
    ['$or', { $or: [{ partitionKey: ['x'] }, { data: { city: ['Berlin'] } }] }, true],
    ['all fields must match', { partitionKey: ['device-7'], data: { city: ['Paris'] } }, false],
  ])('%s', (_name, pattern, expected) => {
    expect(matches(parsePattern(JSON.stringify(pattern)), event)).toBe(expected)
  })

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['not an object', '[1]', 'must be a JSON object'],
    ['a bare value', '{"a": 1}', 'must be an array of values or a nested pattern'],
    ['an unknown matcher', '{"a": [{"regex": "x"}]}', 'unknown matcher'],
    ['bad numeric', '{"a": [{"numeric": [">"]}]}', 'operator/number pairs'],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parsePattern(text)).toThrow(message)
  })

  it('keeps a record when any filter matches, everything without filters', () => {
    expect(new RecordFilter([]).keep({})).toBe(true)
    const f = new RecordFilter(['{"partitionKey":["a"]}', '{"partitionKey":["b"]}'])
    expect([
      f.keep({ partitionKey: 'a' }),
      f.keep({ partitionKey: 'b' }),
      f.keep({ partitionKey: 'c' }),
    ]).toEqual([true, true, false])
  })
})
