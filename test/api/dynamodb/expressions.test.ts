import { describe, expect, it } from 'vitest'
import {
  fromAttributeValue,
  parseNumber,
  toAttributeValue,
} from '../../../src/api/dynamodb/attribute-values.ts'
import {
  ExpressionScope,
  evaluate,
  parseCondition,
  parseProjection,
  parseUpdate,
  projectItem,
} from '../../../src/api/dynamodb/expressions.ts'
import { applyUpdate } from '../../../src/api/dynamodb/updates.ts'

const scope = (values: Record<string, unknown> = {}, names?: Record<string, string>) =>
  new ExpressionScope(names, Object.keys(values).length > 0 ? values : undefined)

const holds = (
  text: string,
  item: Record<string, never> | Record<string, unknown> | undefined,
  values = {},
) => evaluate(parseCondition(text, 'ConditionExpression', scope(values)), item as never)

describe('DynamoDB expressions', () => {
  it('evaluates conditions with DynamoDB’s precedence and absent-attribute rules', () => {
    const item = { a: 1, s: 'héllo', l: ['x', { y: 2 }], m: { n: null } }
    const v = { ':one': { N: '1' }, ':two': { N: '2' }, ':x': { S: 'x' }, ':h': { S: 'hé' } }
    expect(holds('a = :one OR a = :two AND a = :two', item, v)).toBe(true)
    expect(holds('(a = :one OR a = :two) AND a = :two', item, v)).toBe(false)
    expect(holds('NOT a = :two', item, v)).toBe(true)
    expect(holds('absent <> :one', item, v)).toBe(true)
    expect(holds('absent = :one', item, v)).toBe(false)
    expect(holds('absent < :one', item, v)).toBe(false)
    expect(holds('a between :one and :two', item, v)).toBe(true)
    expect(holds('a IN (:two, :one)', item, v)).toBe(true)
    expect(holds('contains(l, :x) AND begins_with(s, :h) AND l[1].y = :two', item, v)).toBe(true)
    expect(holds('size(l) = :two AND attribute_exists(m.n) AND attribute_not_exists(m.o)', item, v)).toBe(
      true,
    )
    // Strings compare by UTF-8 bytes, numbers numerically; different types never compare.
    expect(holds('s > :x', item, v)).toBe(false)
    expect(holds('a < :x', item, v)).toBe(false)
    expect(holds('attribute_not_exists(a)', undefined)).toBe(true)
  })

  it('refuses malformed expressions with DynamoDB’s wording', () => {
    const parse =
      (text: string, values = {}, names?: Record<string, string>) =>
      () =>
        parseCondition(text, 'ConditionExpression', scope(values, names))
    expect(parse('a = ')).toThrow('Invalid ConditionExpression: Syntax error; token: "<EOF>"')
    expect(parse('#x = :v', { ':v': { S: 'v' } })).toThrow(
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x',
    )
    expect(parse('foo(a)')).toThrow('Invalid ConditionExpression: Invalid function name; function: foo')
    expect(parse('a BETWEEN :hi AND :lo', { ':lo': { N: '1' }, ':hi': { N: '2' } })).toThrow(
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
    )
    expect(parse('')).toThrow('Invalid ConditionExpression: The expression can not be empty;')
    const s = scope({ ':a': { S: 'a' }, ':b': { S: 'b' } }, { '#n': 'n', '#m': 'm' })
    parseCondition('#n = :a', 'ConditionExpression', s)
    expect(() => s.checkAllUsed()).toThrow(
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#m}',
    )
    expect(() => new ExpressionScope({}, undefined)).toThrow('ExpressionAttributeNames must not be empty')
  })

  it('applies updates against the item as it was', () => {
    const values = {
      ':one': { N: '1' },
      ':l': { L: [{ S: 'c' }] },
      ':m': { M: { k: { S: 'v' } } },
    }
    const update = parseUpdate(
      'SET a = b, b = a, n = n + :one, l = list_append(:l, l), m.x = :m REMOVE l2[0], l2[2] ADD c :one',
      scope(values),
    )
    const next = applyUpdate(
      { id: 'k', a: 1, b: 2, n: 5, l: ['d'], m: {}, l2: [0, 1, 2, 3] },
      { id: 'k' },
      update,
    )
    expect(next).toEqual({ id: 'k', a: 2, b: 1, n: 6, l: ['c', 'd'], m: { x: { k: 'v' } }, l2: [1, 3], c: 1 })
    expect(() => parseUpdate('SET a = :one SET b = :one', scope({ ':one': { N: '1' } }))).toThrow(
      'The "SET" section can only be used once in an update expression;',
    )
    const absent = parseUpdate('SET a = nope + :one', scope({ ':one': { N: '1' } }))
    expect(() => applyUpdate(undefined, { id: 'k' }, absent)).toThrow(
      'The provided expression refers to an attribute that does not exist in the item',
    )
    const addString = parseUpdate('ADD a :s', scope({ ':s': { S: 'x' } }))
    expect(() => applyUpdate(undefined, { id: 'k' }, addString)).toThrow(
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
    )
  })

  it('projects paths, compacting list elements in index order', () => {
    const item = { a: { b: 1, c: 2 }, l: ['x', 'y', 'z'], s: 'text' }
    expect(projectItem(item, parseProjection('l[2], a.c, l[0], s.nope, absent', scope()))).toEqual({
      a: { c: 2 },
      l: ['x', 'z'],
    })
    expect(() => parseProjection('a, a.b', scope())).toThrow(
      'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]',
    )
  })

  it('marshals numbers as doubles, within DynamoDB’s limits', () => {
    expect(parseNumber('0.1')).toBe(0.1)
    expect(parseNumber('-0')).toBe(0)
    expect(parseNumber('1E+3')).toBe(1000)
    expect(toAttributeValue(parseNumber('12345678901234567890'))).toEqual({ N: '12345678901234567000' })
    expect(() => parseNumber('1'.repeat(39))).toThrow(
      'Attempting to store more than 38 significant digits in a Number',
    )
    expect(() => parseNumber('1e126')).toThrow('Number overflow')
    expect(() => parseNumber('1e-131')).toThrow('Number underflow')
    expect(() => parseNumber('0x10')).toThrow('A value provided cannot be converted into a number')
    expect(() => fromAttributeValue({})).toThrow('Supplied AttributeValue is empty')
    expect(() => fromAttributeValue({ S: 'a', N: '1' })).toThrow('more than one datatypes')
    expect(() => fromAttributeValue({ NULL: false })).toThrow(
      'Null attribute value types must have the value of true',
    )
  })
})
