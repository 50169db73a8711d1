import { describe, expect, it } from 'vitest'
import { BufferCutter, type Buffered } from '../../../src/delivery/streams/buffer.ts'

const rec = (ordinal: number, arrivalMs: number, size = 10): Buffered => ({ ordinal, arrivalMs, size })

/** Cuts a whole log with the rule, as a replay would. */
function cutAll(records: Buffered[], hints = { sizeBytes: 35, intervalMs: 1000 }): number[][] {
  const cutter = new BufferCutter(hints)
  const out: number[][] = []
  for (const r of records) {
    const closed = cutter.add(r)
    if (closed) out.push(closed.map((c) => c.ordinal))
  }
  if (!cutter.empty) out.push(cutter.take().map((c) => c.ordinal))
  return out
}

describe('BufferCutter', () => {
  it('cuts by size: the record that would overflow starts the next buffer', () => {
    const records = [0, 1, 2, 3, 4, 5, 6].map((i) => rec(i, 0))
    expect(cutAll(records)).toEqual([[0, 1, 2], [3, 4, 5], [6]])
  })

  it('cuts by interval measured from the first record of the buffer', () => {
    const records = [rec(0, 0), rec(1, 999), rec(2, 1000), rec(3, 1001), rec(4, 1500), rec(5, 2002)]
    expect(cutAll(records, { sizeBytes: 1000, intervalMs: 1000 })).toEqual([[0, 1, 2], [3, 4], [5]])
  })

  it('puts an oversize record in a buffer of its own', () => {
    const records = [rec(0, 0, 10), rec(1, 0, 100), rec(2, 0, 10)]
    expect(cutAll(records)).toEqual([[0], [1], [2]])
  })

  it('is due only strictly after first arrival + interval', () => {
    const cutter = new BufferCutter({ sizeBytes: 100, intervalMs: 1000 })
    expect(cutter.due(5000)).toBe(false)
    cutter.add(rec(0, 2000))
    expect(cutter.deadline).toBe(3000)
    expect(cutter.due(3000)).toBe(false)
    expect(cutter.due(3001)).toBe(true)
  })

  it('gives the same buffers however the log is read (live or replayed)', () => {
    const records = Array.from({ length: 200 }, (_, i) => rec(i, Math.floor(i * 37.3), 1 + (i % 13)))
    const whole = cutAll(records, { sizeBytes: 60, intervalMs: 500 })
    // Live: the same rule applied record by record, with due buffers cut at the tip.
    const cutter = new BufferCutter({ sizeBytes: 60, intervalMs: 500 })
    const live: number[][] = []
    for (const r of records) {
      const closed = cutter.add(r)
      if (closed) live.push(closed.map((c) => c.ordinal))
      if (cutter.full) live.push(cutter.take().map((c) => c.ordinal))
    }
    if (!cutter.empty) live.push(cutter.take().map((c) => c.ordinal))
    expect(live).toEqual(whole)
    expect(whole.flat()).toEqual(records.map((r) => r.ordinal))
  })
})
