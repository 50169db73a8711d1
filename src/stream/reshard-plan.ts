import { type HashKeyHex, hashKeyFromBigInt, hashKeyToBigInt, uniformRanges } from './hash-key.ts'

/** An open shard as the planner sees it. */
export interface PlanShard {
  index: number
  start: HashKeyHex
  end: HashKeyHex
}

/** One step of a reshard, in order. New shard indexes are assigned from `nextIndex` on. */
export type ReshardStep =
  | { kind: 'split'; shard: number; at: HashKeyHex; children: [number, number] }
  | { kind: 'merge'; shard: number; adjacent: number; child: number }

/**
 * Plans UpdateShardCount(UNIFORM_SCALING) as Kinesis carries it out: a series of splits and
 * merges, so every new shard has at most two parents and lineage stays readable by consumers
 * that process parents before children. First every target boundary that falls inside an open
 * shard splits it; then the pieces inside each target range merge left to right. Intermediate
 * shards close at once and stay empty.
 */
export function planUniformScaling(open: PlanShard[], target: number, nextIndex: number): ReshardStep[] {
  const steps: ReshardStep[] = []
  let next = nextIndex
  let pieces = [...open].sort((a, b) => (a.start < b.start ? -1 : 1))
  const targets = uniformRanges(target)
  const boundaries = targets.slice(1).map((r) => r.start)
  for (const boundary of boundaries) {
    const i = pieces.findIndex((p) => p.start < boundary && boundary <= p.end)
    if (i < 0) continue
    const piece = pieces[i]!
    const left = { index: next++, start: piece.start, end: hashKeyFromBigInt(hashKeyToBigInt(boundary) - 1n) }
    const right = { index: next++, start: boundary, end: piece.end }
    steps.push({ kind: 'split', shard: piece.index, at: boundary, children: [left.index, right.index] })
    pieces = [...pieces.slice(0, i), left, right, ...pieces.slice(i + 1)]
  }
  for (const range of targets) {
    const inside = pieces.filter((p) => p.start >= range.start && p.end <= range.end)
    let acc = inside[0]!
    for (const piece of inside.slice(1)) {
      const merged = { index: next++, start: acc.start, end: piece.end }
      steps.push({ kind: 'merge', shard: acc.index, adjacent: piece.index, child: merged.index })
      acc = merged
    }
  }
  return steps
}
