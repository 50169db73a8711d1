import { describe, expect, it } from 'vitest'
import { evaluateExpression, MathSyntaxError, parseExpression } from '../../src/monitor/alarms/math.ts'

const values: Record<string, number | undefined> = {
  errors: 3,
  invocations: 40,
  zero: 0,
  gone: undefined,
  m1: 2,
  m2: 5,
}
const run = (src: string) => evaluateExpression(parseExpression(src), (id) => values[id])

describe('metric math', () => {
  it.each([
    ['100 * errors / invocations', 7.5],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['-m1 + m2', 3],
    ['2e2 / 4', 50],
    ['errors / zero', undefined],
    ['gone + 1', undefined],
    ['100 * FILL(gone, 0) / invocations', 0],
    ['FILL(errors, 0)', 3],
    ['ABS(m1 - m2)', 3],
    ['MAX(m1, m2, gone)', 5],
    ['MIN(m1, m2)', 2],
    ['SUM(m1, m2)', 7],
    ['AVG(m1, m2)', 3.5],
    ['fill(gone, 1)', 1],
  ])('%s = %s', (src, expected) => {
    expect(run(src)).toBe(expected)
  })

  it.each([
    ['1 +', 'unexpected end of expression at position 3'],
    ['(m1', "expected ')' at position 3"],
    ['m1 m2', "unexpected 'm2' at position 3"],
    ['LOG(m1)', "unknown function 'LOG' at position 0"],
    ['FILL(m1)', 'FILL takes (metric, value) at position 0'],
    ['m1 % 2', "unexpected character '%' at position 3"],
  ])('rejects %s', (src, message) => {
    expect(() => parseExpression(src)).toThrow(
      new MathSyntaxError(message.replace(/ at position \d+$/, ''), Number(/\d+$/.exec(message)![0])),
    )
  })
})
