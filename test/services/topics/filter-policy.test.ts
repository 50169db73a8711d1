import { describe, expect, it } from 'vitest'
import {
  type FilterPolicyScope,
  matchesFilterPolicy,
  parseFilterPolicy,
  type TypedAttribute,
} from '../../../src/services/topics/filter-policy.ts'

const passes = (
  policy: object,
  scope: FilterPolicyScope,
  message: string,
  attributes: Record<string, TypedAttribute> = {},
) => matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), scope), scope, attributes, message)

describe('filter policies on the message body (FilterPolicyScope MessageBody)', () => {
  const order = JSON.stringify({
    store: 'example_corp',
    interests: ['soccer', 'rugby'],
    price_usd: 210.75,
    paid: true,
    coupon: null,
    customer: { tier: 'gold', address: { country: 'NZ' } },
  })
  it.each([
    ['a nested key', { customer: { tier: ['gold'] } }, true],
    ['a deeper nested key', { customer: { address: { country: [{ prefix: 'N' }] } } }, true],
    ['a nested key that differs', { customer: { tier: ['silver'] } }, false],
    ['an array element', { interests: ['rugby'] }, true],
    ['anything-but over an array', { interests: [{ 'anything-but': ['rugby'] }] }, false],
    ['a number range', { price_usd: [{ numeric: ['>', 200, '<=', 300] }] }, true],
    ['a number as a string', { price_usd: ['210.75'] }, false],
    ['a boolean', { paid: [true] }, true],
    ['null', { coupon: [null] }, true],
    ['a missing key with exists false', { refund: [{ exists: false }] }, true],
    ['a missing key with exists true', { refund: [{ exists: true }] }, false],
    ['a nested policy where the body has a scalar', { store: { name: ['x'] } }, false],
    ['$or of two branches', { $or: [{ store: ['other'] }, { paid: [true] }] }, true],
  ])('%s', (_, policy, expected) => {
    expect(passes(policy, 'MessageBody', order)).toBe(expected)
  })

  it('matches nothing when the message is not a JSON object', () => {
    expect(passes({ a: [{ exists: false }] }, 'MessageBody', 'plain text')).toBe(false)
    expect(passes({ a: [{ exists: false }] }, 'MessageBody', '[1, 2]')).toBe(false)
  })
})

describe('filter policies on message attributes', () => {
  it('compares numbers as numbers, only with Number attributes', () => {
    const policy = { price: [{ numeric: ['=', 100] }] }
    expect(passes(policy, 'MessageAttributes', 'm', { price: { type: 'Number', value: '1.0e2' } })).toBe(true)
    expect(passes(policy, 'MessageAttributes', 'm', { price: { type: 'String', value: '100' } })).toBe(false)
  })

  it('counts combinations as SNS does (values multiplied across keys)', () => {
    const keys = (n: number) => [...Array(n).keys()]
    expect(() =>
      parseFilterPolicy(JSON.stringify({ a: keys(10), b: keys(15) }), 'MessageAttributes'),
    ).not.toThrow()
    expect(() =>
      parseFilterPolicy(JSON.stringify({ a: keys(10), b: keys(16) }), 'MessageAttributes'),
    ).toThrow('FilterPolicy: Filter policy is too complex')
  })
})
