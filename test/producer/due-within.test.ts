import { describe, expect, it } from 'vitest'
import { dueWithin } from '../../src/cli/produce.ts'

describe('tributary produce: records due within --duration', () => {
  it('counts the records whose due time i / rate falls before the end, capped by --records', () => {
    for (const [duration, rate] of [
      [2, 4000],
      [1.5, 333],
      [0.1, 7],
      [60, 1000],
      [3, 0.5],
      [0.001, 1000],
    ] as const) {
      let count = 0
      while (count / rate < duration) count++
      expect(dueWithin(duration, rate), `${duration} s at ${rate}/s`).toBe(count)
    }
    expect(dueWithin(2, 4000, 100)).toBe(100)
    expect(dueWithin(2, 4000, 9000)).toBe(8000)
  })
})
