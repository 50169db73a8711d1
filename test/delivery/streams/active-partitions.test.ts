import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  KEEP_WINDOWS_MS,
  PartitionLedger,
  type PartitionRequest,
} from '../../../src/delivery/streams/active-partitions.ts'
import { PartitionStore } from '../../../src/delivery/streams/partition-store.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { tempDir } from '../../helpers/tmp.ts'

const WINDOW = 60_000

/** `count` partitions `value=<from>` … arriving one ms apart from `at`. */
function partitions(from: number, count: number, at: number): PartitionRequest[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `value=${from + i}/`, firstArrivalMs: at + i }))
}

const sorted = (set: ReadonlySet<string>) => [...set].sort()

describe('PartitionLedger: active partitions across a delivery stream', () => {
  it('counts the partitions of another shard whose windows are open: 300 + 300 → 500 admitted', () => {
    const ledger = new PartitionLedger({ limit: 500, windowMs: WINDOW })
    const a = ledger.admit('shard-0-buffer', partitions(0, 300, 1_000))
    const b = ledger.admit('shard-1-buffer', partitions(300, 300, 1_500))
    expect(a.size).toBe(300)
    expect(b.size).toBe(200)
    // The first 200 of shard 1's partitions to open got the quota's remaining places.
    expect(sorted(b)).toEqual(sorted(new Set(partitions(300, 200, 0).map((p) => p.prefix))))
  })

  it('whichever shard flushes first: the quota holds either way', () => {
    const ledger = new PartitionLedger({ limit: 500, windowMs: WINDOW })
    const later = ledger.admit('shard-1-buffer', partitions(300, 300, 1_500))
    const earlier = ledger.admit('shard-0-buffer', partitions(0, 300, 1_000))
    expect(later.size + earlier.size).toBe(500)
  })

  it('a partition closes one buffering interval after its first record', () => {
    const ledger = new PartitionLedger({ limit: 500, windowMs: WINDOW })
    ledger.admit('first', partitions(0, 500, 1_000))
    expect(ledger.admit('same-minute', partitions(500, 1, 1_000 + WINDOW)).size).toBe(0)
    expect(ledger.admit('next-minute', partitions(500, 1, 1_500 + WINDOW)).size).toBe(1)
  })

  it('a partition open in another shard takes records without counting again', () => {
    const ledger = new PartitionLedger({ limit: 2, windowMs: WINDOW })
    ledger.admit('shard-0', [
      { prefix: 'a/', firstArrivalMs: 1 },
      { prefix: 'b/', firstArrivalMs: 2 },
    ])
    const admitted = ledger.admit('shard-1', [
      { prefix: 'a/', firstArrivalMs: 3 },
      { prefix: 'c/', firstArrivalMs: 4 },
    ])
    expect(sorted(admitted)).toEqual(['a/'])
  })

  it('a buffer planned again gets the decision it got the first time, after a restart too', () => {
    const recorded: Parameters<
      NonNullable<ConstructorParameters<typeof PartitionLedger>[0]['persist']>
    >[0][] = []
    const ledger = new PartitionLedger({ limit: 500, windowMs: WINDOW, persist: (w) => recorded.push(w) })
    ledger.admit('shard-0-buffer', partitions(0, 300, 1_000))
    const first = ledger.admit('shard-1-buffer', partitions(300, 300, 1_500))
    // Other buffers decided meanwhile, or nothing decided before (a fresh process): same answer.
    ledger.admit('shard-2-buffer', partitions(600, 50, 1_200))
    expect(ledger.admit('shard-1-buffer', partitions(300, 300, 1_500))).toEqual(first)
    const restarted = new PartitionLedger({ limit: 500, windowMs: WINDOW, recorded: recorded.flat() })
    expect(restarted.admit('shard-1-buffer', partitions(300, 300, 1_500))).toEqual(first)
  })
})

describe('PartitionLedger pruning', () => {
  it('forgets windows an hour of data time after they closed, in memory and in the store', () => {
    const pruned: number[] = []
    const ledger = new PartitionLedger({ limit: 1, windowMs: WINDOW, prune: (before) => pruned.push(before) })
    ledger.admit('old', [{ prefix: 'a/', firstArrivalMs: 0 }])
    ledger.admit('recent', [{ prefix: 'b/', firstArrivalMs: KEEP_WINDOWS_MS / 2 }])
    expect(pruned).toEqual([])
    // Two hours on, the first window closed more than an hour before the newest opened.
    ledger.admit('new', [{ prefix: 'c/', firstArrivalMs: 2 * KEEP_WINDOWS_MS }])
    expect(pruned).toEqual([KEEP_WINDOWS_MS])
  })
})

describe('PartitionStore', () => {
  it('keeps decisions in the state store, per delivery stream, until the stream is forgotten', async () => {
    const path = join(await tempDir(), 'state.db')
    let state = StateStore.open(path)
    onTestFinished(() => state.close())
    const store = new PartitionStore(state)
    const ledger = store.ledger('d', { limit: 500, windowMs: WINDOW })
    ledger.admit('shard-0-buffer', partitions(0, 300, 1_000))
    const first = ledger.admit('shard-1-buffer', partitions(300, 300, 1_500))
    expect(
      store.ledger('other', { limit: 500, windowMs: WINDOW }).admit('x', partitions(0, 400, 0)).size,
    ).toBe(400)
    state.close()

    state = StateStore.open(path)
    const reopened = new PartitionStore(state)
    expect(
      reopened
        .ledger('d', { limit: 500, windowMs: WINDOW })
        .admit('shard-1-buffer', partitions(300, 300, 1_500)),
    ).toEqual(first)
    reopened.forget('d')
    expect(
      reopened
        .ledger('d', { limit: 500, windowMs: WINDOW })
        .admit('shard-1-buffer', partitions(300, 300, 1_500)).size,
    ).toBe(300)
  })
})
