import { describe, expect, it } from 'vitest'
import { hashKeyToBigInt, MAX_HASH_KEY, uniformRanges } from '../../src/stream/hash-key.ts'
import { type PlanShard, planUniformScaling } from '../../src/stream/reshard-plan.ts'

/** Applies a plan and returns the open shards, checking each step is a legal split or merge. */
function apply(open: PlanShard[], target: number) {
  const shards = new Map(open.map((s) => [s.index, { ...s, open: true }]))
  const steps = planUniformScaling(open, target, 100)
  for (const step of steps) {
    if (step.kind === 'split') {
      const parent = shards.get(step.shard)!
      expect(parent.open).toBe(true)
      parent.open = false
      const at = hashKeyToBigInt(step.at)
      expect(at > hashKeyToBigInt(parent.start) && at <= hashKeyToBigInt(parent.end)).toBe(true)
      shards.set(step.children[0], {
        index: step.children[0],
        start: parent.start,
        end: (at - 1n).toString(16).padStart(32, '0'),
        open: true,
      })
      shards.set(step.children[1], { index: step.children[1], start: step.at, end: parent.end, open: true })
    } else {
      const a = shards.get(step.shard)!
      const b = shards.get(step.adjacent)!
      expect(a.open && b.open).toBe(true)
      expect(hashKeyToBigInt(a.end) + 1n).toBe(hashKeyToBigInt(b.start))
      a.open = false
      b.open = false
      shards.set(step.child, { index: step.child, start: a.start, end: b.end, open: true })
    }
  }
  return [...shards.values()].filter((s) => s.open).sort((x, y) => (x.start < y.start ? -1 : 1))
}

describe('planUniformScaling', () => {
  it.each([
    [1, 2],
    [2, 1],
    [3, 5],
    [5, 3],
    [4, 3],
    [3, 6],
    [7, 4],
    [10, 20],
    [20, 10],
  ])('%i → %i shards ends with the uniform layout through legal splits and merges', (from, to) => {
    const open = uniformRanges(from).map((r, index) => ({ index, ...r }))
    const result = apply(open, to)
    expect(result.map(({ start, end }) => ({ start, end }))).toEqual(uniformRanges(to))
    expect(hashKeyToBigInt(result.at(-1)!.end)).toBe(MAX_HASH_KEY)
  })
})
