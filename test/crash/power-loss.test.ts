/**
 * Simulated power loss. kill -9 lets the kernel flush its page cache, so it cannot show a missing
 * fsync; here a `ShardLog` runs on {@link SimFs}, which knows what has been fsynced and, at a
 * crash, leaves only what a power failure would: unsynced writes dropped, kept or torn at sector
 * boundaries, new files gone unless their directory was fsynced, index files (never synced) kept,
 * deleted or cut short. The log is then reopened on that state and checked: the recovered log must
 * be a prefix of what was appended, byte for byte, and with `sync: always` hold every
 * acknowledged record. The same harness must catch `sync: os` losing acknowledged records (else
 * it could not see a missing fsync either), and with `sync: interval` loss stays within what was
 * acknowledged since the last completed sync.
 *
 * Replay a failure with TRIBUTARY_POWER_SEED=<seed printed on failure>.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest'
import { CorruptLogError } from '../../src/storage/log/errors.ts'
import { ShardLog, type SyncPolicy } from '../../src/storage/log/shard-log.ts'
import { Prng, seedFromEnv } from '../helpers/prng.ts'
import { SECTOR, SimFs, SimulatedCrash, type UnsyncedFate } from '../helpers/sim-fs.ts'
import { tempDir } from '../helpers/tmp.ts'

const SEED = seedFromEnv('TRIBUTARY_POWER_SEED')
const NOTE = `seed ${SEED} (replay: TRIBUTARY_POWER_SEED=${SEED} npx vitest run test/crash/power-loss.test.ts)`

interface Rec {
  partitionKey: string
  /** Base64 text, as the log stores it. */
  data: string
}

interface CycleReport {
  cycle: number
  crashAfterOp: number
  fate: UnsyncedFate
  /** Where the crash happened: during recovery, during the workload, or after it. */
  phase: 'recovery' | 'workload' | 'end'
  ackedThisRun: number
  /** Acknowledged records the crash could lose: acked after the start of the last completed sync. */
  unsyncedBound: number
  syncs: number
}

interface RunResult {
  cycles: CycleReport[]
  /** Acknowledged records missing after recovery, per cycle (index = cycle that crashed). */
  lost: number[]
  totalAcked: number
  recoveryCrashes: number
  /** Torn tails recovery cut off. */
  tornTails: number
  /** Files that vanished in a crash (created, directory not yet fsynced). */
  vanished: number
  problems: string[]
}

interface RunOptions {
  sync: SyncPolicy
  cycles: number
  rng: Prng
  /** Fate of unsynced data, per cycle. */
  fate: (cycle: number, rng: Prng) => UnsyncedFate
  /** Crash right after this many state-changing operations, per cycle. */
  crashAfterOp: (cycle: number, rng: Prng) => number
  /**
   * Cycles that aim at recovery: the cycle before crashes right after a write with part of it
   * landing (a torn tail), and this one as soon as recovery changes or syncs something.
   */
  targetRecovery?: (cycle: number) => boolean
  segmentBytes?: number
}

function makeRecords(rng: Prng, next: () => number): Rec[] {
  return Array.from({ length: rng.int(1, 12) }, () => {
    const id = next()
    const body = rng.bytes(rng.int(0, rng.chance(0.1) ? 3000 : 400))
    return {
      partitionKey: `k${id % 97}`,
      data: Buffer.concat([Buffer.from(`#${id}:`), body]).toString('base64'),
    }
  })
}

async function readAll(log: ShardLog): Promise<{ ordinal: number; key: string; data: string }[]> {
  const out: { ordinal: number; key: string; data: string }[] = []
  let next = log.firstOrdinal
  for (;;) {
    const r = await log.read(next, 5_000, 64 << 20)
    if (r.records.length === 0) return out
    for (const x of r.records)
      out.push({ ordinal: x.ordinal, key: x.partitionKey, data: x.data.toString('latin1') })
    next = r.next
  }
}

/**
 * Runs `cycles` rounds of: reopen the log on a fresh SimFs (recovering from the last crash) and
 * check it, run concurrent writers until the SimFs loses power (or the workload ends, then it
 * loses power anyway), write the crash state to disk.
 */
async function run(options: RunOptions): Promise<RunResult> {
  const { rng, sync } = options
  const dir = join(await tempDir('tributary-power-'), 'shard')
  await mkdir(dir)
  const segmentBytes = options.segmentBytes ?? 32 * 1024
  /** Every record the log took, by ordinal (cut back to what survives each crash). */
  const expected: Rec[] = []
  /** Ordinals acknowledged and not (yet) lost. */
  const acked = new Set<number>()
  const result: RunResult = {
    cycles: [],
    lost: [],
    totalAcked: 0,
    recoveryCrashes: 0,
    tornTails: 0,
    vanished: 0,
    problems: [],
  }
  const onTruncate = () => {
    result.tornTails++
  }
  let ids = 0
  const problem = (text: string) => {
    if (result.problems.length < 30) result.problems.push(text)
  }

  /** Compares the reopened log with what was appended; returns how many acked records are gone. */
  const check = async (log: ShardLog, cycle: number): Promise<number> => {
    const records = await readAll(log)
    const n = log.nextOrdinal
    if (records.length !== n) problem(`cycle ${cycle}: read ${records.length} records, nextOrdinal is ${n}`)
    if (n > expected.length)
      problem(`cycle ${cycle}: recovered ${n} records, only ${expected.length} were appended`)
    for (const [i, r] of records.entries()) {
      const want = expected[i]
      if (r.ordinal !== i) problem(`cycle ${cycle}: record ${i} has ordinal ${r.ordinal}`)
      if (!want || want.data !== r.data || want.partitionKey !== r.key) {
        problem(`cycle ${cycle}: record ${i} is not what was appended there (not a valid prefix)`)
        break
      }
    }
    const lost = [...acked].filter((o) => o >= n)
    for (const o of lost) acked.delete(o)
    expected.length = Math.min(expected.length, n)
    return lost.length
  }

  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const target = options.targetRecovery?.(cycle) ?? false
    const tear = options.targetRecovery?.(cycle + 1) ?? false
    const crashAfterOp = options.crashAfterOp(cycle, rng)
    const fate = tear ? 'prefix' : options.fate(cycle, rng)
    const tearAtWrite = rng.int(1, 6)
    let writes = 0
    let recovering = true
    let ackedThisRun = 0
    let syncs = 0
    const syncStarts = new Map<number, number>()
    /** Acked count when the last completed sync started: all those are durable. */
    let covered = 0
    const sim = new SimFs(rng.fork(), fate, {
      crashAfterOp,
      crashWhen: (op) => {
        if (target && recovering && op !== 'open') return true
        return tear && !recovering && op === 'writev' && ++writes === tearAtWrite
      },
      // Index files are written without fsync: they may be missing or cut short after a crash.
      foreign: /\.idx(\.tmp)?$/,
      onSync: (phase, id) => {
        if (phase === 'start') syncStarts.set(id, ackedThisRun)
        else {
          syncs++
          covered = Math.max(covered, syncStarts.get(id)!)
        }
      },
    })
    const report: CycleReport = {
      cycle,
      crashAfterOp,
      fate,
      phase: 'workload',
      ackedThisRun: 0,
      unsyncedBound: 0,
      syncs: 0,
    }
    result.cycles.push(report)
    let log: ShardLog
    try {
      log = await ShardLog.open({ dir, sync, segmentBytes, indexInterval: 2048, io: sim, onTruncate })
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) {
        problem(`cycle ${cycle}: recovery failed: ${(error as Error).message}`)
        throw Object.assign(new Error(`recovery failed in cycle ${cycle}`), { cause: error, result })
      }
      report.phase = 'recovery'
      result.recoveryCrashes++
      await sim.image!.apply()
      continue
    }
    recovering = false
    // The first successful open after a crash is where its losses show (a crash during recovery
    // loses nothing more: nothing was acknowledged in between).
    result.lost.push(await check(log, cycle))

    const writer = async (wrng: Prng) => {
      for (let j = 0; j < 8 && !sim.crashed; j++) {
        const records = makeRecords(wrng, () => ids++)
        let ticket: ReturnType<ShardLog['append']>
        try {
          ticket = log.append(records, 1_000 + ids)
        } catch {
          return // the log failed: the machine is down
        }
        records.forEach((r, k) => {
          expected[ticket.firstOrdinal + k] = r
        })
        if (sync.mode === 'interval' && wrng.chance(0.3)) vi.advanceTimersByTime(sync.intervalMs)
        try {
          await ticket.durable
        } catch {
          return
        }
        for (let k = 0; k < records.length; k++) acked.add(ticket.firstOrdinal + k)
        ackedThisRun += records.length
        result.totalAcked += records.length
      }
    }
    await Promise.all(Array.from({ length: 4 }, () => writer(rng.fork())))
    if (!sim.crashed) {
      report.phase = 'end'
      // Nothing is in flight: the model must mirror the real files exactly.
      const mismatches = await sim.mirrorMismatches()
      if (mismatches.length > 0) problem(`cycle ${cycle}: SimFs model differs from disk: ${mismatches}`)
      if (rng.chance(0.1)) await log.close() // a clean shutdown, then the power goes
      sim.crash()
    }
    report.ackedThisRun = ackedThisRun
    report.unsyncedBound = ackedThisRun - covered
    report.syncs = syncs
    await log.close().catch(() => undefined)
    result.vanished += sim.image!.fates.filter((f) => f.size === undefined).length
    await sim.image!.apply()
  }
  // One last recovery to see what the last crash lost.
  const log = await ShardLog.open({ dir, sync, segmentBytes, indexInterval: 2048, onTruncate })
  result.lost.push(await check(log, options.cycles))
  await log.close()
  return result
}

/** Loss in the cycle after `i` belongs to the crash of cycle `i` (lost[0] is the first open). */
function lossByCrash(result: RunResult): { report: CycleReport; lost: number }[] {
  const out: { report: CycleReport; lost: number }[] = []
  let k = 1
  for (const report of result.cycles) {
    if (report.phase === 'recovery') continue
    out.push({ report, lost: result.lost[k++] ?? 0 })
  }
  return out
}

describe('power loss (SimFs)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sync: always loses no acknowledged record over 60 crash points, and recovers a valid prefix', async () => {
    onTestFailed(() => console.error(`power-loss (always) failed with ${NOTE}`))
    const rng = new Prng(SEED)
    const result = await run({
      sync: { mode: 'always' },
      cycles: 60,
      rng,
      fate: (_c, r) => r.pick(['drop', 'prefix', 'prefix', 'keep'] as const),
      crashAfterOp: (_c, r) => r.int(1, 60),
      // Every fifth crash aims at recovery (while it cuts a torn tail).
      targetRecovery: (c) => c % 5 === 4,
    })
    const lost = result.lost.reduce((a, b) => a + b, 0)
    console.log(
      `power-loss always: ${NOTE}; ${result.cycles.length} crashes (${result.recoveryCrashes} during ` +
        `recovery), ${result.tornTails} torn tails cut, ${result.vanished} new files vanished, ` +
        `${result.totalAcked} records acked, ${lost} lost`,
    )
    expect(result.problems, NOTE).toEqual([])
    expect(lost, NOTE).toBe(0)
    expect(result.cycles.length).toBeGreaterThanOrEqual(50)
    expect(result.totalAcked).toBeGreaterThan(0)
    expect(result.recoveryCrashes, `${NOTE}: no crash hit recovery`).toBeGreaterThan(0)
    expect(result.tornTails, `${NOTE}: no crash tore a write`).toBeGreaterThan(0)
  })

  it('self-test: the harness catches sync: os losing acknowledged records', async () => {
    onTestFailed(() => console.error(`power-loss (os) failed with ${NOTE}`))
    const rng = new Prng(SEED ^ 0x05)
    const result = await run({
      sync: { mode: 'os' },
      cycles: 20,
      rng,
      // Every third crash drops all unsynced data, so acked-but-unsynced records must go.
      fate: (c, r) => (c % 3 === 0 ? 'drop' : r.pick(['drop', 'prefix', 'keep'] as const)),
      crashAfterOp: (_c, r) => r.int(1, 60),
    })
    const byCrash = lossByCrash(result)
    const lost = byCrash.reduce((a, b) => a + b.lost, 0)
    console.log(
      `power-loss os: ${NOTE}; ${result.totalAcked} records acked, ${lost} acknowledged records lost`,
    )
    expect(result.problems, NOTE).toEqual([])
    // The point of the self-test: a log that never syncs must be caught losing acked records.
    expect(lost, NOTE).toBeGreaterThan(0)
    for (const { report, lost } of byCrash)
      expect(lost, `${NOTE}, cycle ${report.cycle}`).toBeLessThanOrEqual(report.unsyncedBound)
  })

  it('sync: interval loses at most what was acknowledged since the last completed sync', async () => {
    onTestFailed(() => console.error(`power-loss (interval) failed with ${NOTE}`))
    // ShardLog syncs from setInterval: fake it and advance it from the workload, never sleep.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const rng = new Prng(SEED ^ 0x11)
    const result = await run({
      sync: { mode: 'interval', intervalMs: 50 },
      cycles: 30,
      rng,
      fate: (c, r) => (c % 3 === 0 ? 'drop' : r.pick(['drop', 'prefix', 'keep'] as const)),
      crashAfterOp: (_c, r) => r.int(1, 80),
    })
    const byCrash = lossByCrash(result)
    const lost = byCrash.reduce((a, b) => a + b.lost, 0)
    const syncs = result.cycles.reduce((a, b) => a + b.syncs, 0)
    const worst = byCrash.reduce((m, b) => Math.max(m, b.lost), 0)
    console.log(
      `power-loss interval:50ms: ${NOTE}; ${result.totalAcked} records acked, ${lost} lost over ` +
        `${byCrash.length} crashes (worst ${worst} in one crash), ${syncs} syncs`,
    )
    expect(result.problems, NOTE).toEqual([])
    for (const { report, lost } of byCrash) {
      expect(
        lost,
        `${NOTE}, cycle ${report.cycle}: lost more than was acked since the last sync`,
      ).toBeLessThanOrEqual(report.unsyncedBound)
    }
    expect(syncs, 'the periodic sync never ran').toBeGreaterThan(0)
  })
})

describe('SimFs', () => {
  async function fresh(fate: UnsyncedFate, seed = 1) {
    const dir = await tempDir('tributary-simfs-')
    const sim = new SimFs(new Prng(seed), fate)
    const path = join(dir, 'f')
    return { dir, sim, path }
  }

  it('keeps synced bytes and drops unsynced ones', async () => {
    const { sim, path } = await fresh('drop')
    const fd = await sim.open(path, 'wx+')
    await sim.fsyncDirectory(join(path, '..'))
    await sim.writev(fd, [Buffer.from('durable ')], 0)
    await sim.fdatasync(fd)
    await sim.writev(fd, [Buffer.from('lost')], 8)
    expect(await sim.mirrorMismatches()).toEqual([])
    const image = sim.crash()
    expect(image.files.get(path)?.toString()).toBe('durable ')
    await expect(sim.writev(fd, [Buffer.from('x')], 0)).rejects.toBeInstanceOf(SimulatedCrash)
    await sim.close(fd)
  })

  it('tears a prefix of unsynced writes at sector boundaries', async () => {
    const sizes = new Set<number>()
    for (let seed = 1; seed <= 20; seed++) {
      const { sim, path } = await fresh('prefix', seed)
      const fd = await sim.open(path, 'wx+')
      await sim.fsyncDirectory(join(path, '..'))
      const data = Buffer.alloc(5 * SECTOR + 100, 7)
      await sim.writev(fd, [data], 0)
      const content = sim.crash().files.get(path)!
      expect(data.subarray(0, content.length).equals(content)).toBe(true)
      expect(content.length === data.length || content.length % SECTOR === 0).toBe(true)
      sizes.add(content.length)
      await sim.close(fd)
    }
    expect(sizes.size).toBeGreaterThan(2)
  })

  it('lets a file created since the last directory fsync vanish', async () => {
    let vanished = 0
    for (let seed = 1; seed <= 10; seed++) {
      const { sim, path } = await fresh('drop', seed)
      const fd = await sim.open(path, 'wx+')
      await sim.writev(fd, [Buffer.from('x')], 0)
      await sim.fdatasync(fd)
      if (sim.crash().files.get(path) === undefined) vanished++
      await sim.close(fd)
    }
    expect(vanished).toBeGreaterThan(0)
    expect(vanished).toBeLessThan(10)
  })

  it('crashes automatically after the chosen operation, which then fails', async () => {
    const { dir } = await fresh('drop')
    const sim = new SimFs(new Prng(3), 'drop', { crashAfterOp: 3 })
    const fd = await sim.open(join(dir, 'g'), 'wx+') // op 1
    await sim.fsyncDirectory(dir) // op 2
    await expect(sim.writev(fd, [Buffer.from('abc')], 0)).rejects.toBeInstanceOf(SimulatedCrash) // op 3
    expect(sim.crashed).toBe(true)
    expect(sim.image!.files.get(join(dir, 'g'))?.length).toBe(0)
    await sim.close(fd)
  })
})

describe('durability regressions found by this harness', () => {
  it('recovery cuts (does not refuse) a shard when unsynced sectors of the last group commit land out of order', async () => {
    // test6.c's model: each unsynced sector lands or not independently (disks reorder their
    // cache). Nothing acknowledged is at stake (the batch was never synced), so a later frame of
    // the same unsynced batch surviving a lost earlier one must not read as corruption: frames
    // carry how far the segment was synced, and none of these vouches for the lost bytes.
    const rng = new Prng(SEED ^ 0x77)
    let refused = 0
    let lostAcked = 0
    for (let attempt = 0; attempt < 30 && refused === 0; attempt++) {
      const dir = join(await tempDir('tributary-reorder-'), 'shard')
      await mkdir(dir)
      // Ops: create segment, fsync dir, write + sync the first batch, write the second: crash.
      const sim = new SimFs(rng.fork(), 'subset', { crashAfterOp: 5 })
      const log = await ShardLog.open({ dir, sync: { mode: 'always' }, io: sim })
      const first = makeRecords(rng, () => attempt)
      await log.append(first, 1).durable
      // Several small frames in one group commit (one writev), never synced: the crash comes first.
      const unsynced = Array.from({ length: 6 }, () =>
        log.append([{ partitionKey: 'k', data: rng.bytes(rng.int(100, 300)).toString('base64') }], 2),
      )
      await Promise.allSettled(unsynced.map((t) => t.durable))
      expect(sim.crashed).toBe(true)
      await log.close().catch(() => undefined)
      await sim.image!.apply()
      try {
        const reopened = await ShardLog.open({ dir, sync: { mode: 'always' } })
        if (reopened.nextOrdinal < first.length) lostAcked++
        await reopened.close()
      } catch (error) {
        if (!(error instanceof CorruptLogError)) throw error
        refused++
      }
    }
    expect(lostAcked).toBe(0)
    expect(refused, 'recovery refused a log that lost nothing acknowledged').toBe(0)
  })

  it('a new shard directory is fsynced into its parent, so power loss cannot erase it', async () => {
    // ShardLog.open creates its directory with mkdir: unless the new entries in the parents are
    // synced too, under the POSIX model a power loss may drop the whole directory with
    // acknowledged records in it.
    const parent = await tempDir('tributary-mkdir-')
    const dir = join(parent, 'streams', 'abc', '000000000000')
    const sim = new SimFs(new Prng(SEED), 'keep', { unsyncedDirs: [join(parent, 'streams')] })
    const log = await ShardLog.open({ dir, sync: { mode: 'always' }, io: sim })
    await log.append([{ partitionKey: 'k', data: Buffer.from('acknowledged').toString('base64') }], 1).durable
    sim.crash()
    await log.close()
    await sim.image!.apply()
    const reopened = await ShardLog.open({ dir, sync: { mode: 'always' } })
    const survived = reopened.nextOrdinal
    await reopened.close()
    expect(survived, 'the acknowledged record was lost with its directory').toBe(1)
  })
})
