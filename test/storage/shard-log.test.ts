import { readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CorruptLogError, LogFailedError } from '../../src/storage/log/errors.ts'
import { type LogIo, nodeLogIo } from '../../src/storage/log/io.ts'
import { ShardLog, type SyncPolicy } from '../../src/storage/log/shard-log.ts'
import { tempDir } from '../helpers/tmp.ts'

const always: SyncPolicy = { mode: 'always' }

function rec(i: number, size = 16) {
  const data = Buffer.alloc(size, `record-${i}-`).toString('base64')
  return { partitionKey: `key-${i % 7}`, data }
}

async function readAll(log: ShardLog, from = 0) {
  const out: { ordinal: number; key: string; data: string; ts: number }[] = []
  let next = from
  for (;;) {
    const r = await log.read(next, 1000, 1 << 30)
    if (r.records.length === 0) return out
    for (const x of r.records) {
      out.push({ ordinal: x.ordinal, key: x.partitionKey, data: x.data.toString('latin1'), ts: x.timestamp })
    }
    next = r.next
  }
}

async function fill(dir: string, count: number, opts: { segmentBytes?: number; perAppend?: number } = {}) {
  const log = await ShardLog.open({ dir, sync: always, segmentBytes: opts.segmentBytes })
  const per = opts.perAppend ?? 1
  const tickets: Promise<void>[] = []
  for (let i = 0; i < count; i += per) {
    const batch = []
    for (let j = i; j < Math.min(count, i + per); j++) batch.push(rec(j))
    tickets.push(log.append(batch, 1_000 + i).durable)
  }
  await Promise.all(tickets)
  return log
}

describe('ShardLog', () => {
  it('assigns consecutive ordinals and reads back exactly what was appended', async () => {
    const dir = await tempDir()
    const log = await ShardLog.open({ dir, sync: always })
    const a = log.append([rec(0), rec(1)], 100)
    const b = log.append([rec(2)], 90)
    expect(a.firstOrdinal).toBe(0)
    expect(b.firstOrdinal).toBe(2)
    // Arrival times never go backwards within a shard.
    expect(b.timestamp).toBe(100)
    expect(log.durableOrdinal).toBe(0)
    await Promise.all([a.durable, b.durable])
    expect(log.durableOrdinal).toBe(3)
    const all = await readAll(log)
    expect(all.map((r) => r.ordinal)).toEqual([0, 1, 2])
    expect(all[2]).toEqual({ ordinal: 2, key: 'key-2', data: rec(2).data, ts: 100 })
    await log.close()
  })

  it('reads back the same records whether a write or read went through the thread pool or not', async () => {
    // Appends up to 256 KiB are written from the event loop and fresh bytes read back from it;
    // bigger appends, and bytes from before a restart, go through libuv's pool.
    const dir = await tempDir()
    const big = (base: number) => Array.from({ length: 300 }, (_, i) => rec(base + i, 1024))
    const first = await ShardLog.open({ dir, sync: always })
    await first.append([rec(0)], 1).durable
    await first.append(big(1), 2).durable
    await first.close()
    const log = await ShardLog.open({ dir, sync: always })
    await Promise.all([log.append([rec(301), rec(302)], 3).durable, log.append(big(303), 4).durable])
    await log.append([rec(603)], 5).durable
    const all = await readAll(log)
    expect(all.map((r) => r.ordinal)).toEqual(Array.from({ length: 604 }, (_, i) => i))
    expect(all.map((r) => r.data)).toEqual(
      [[rec(0)], big(1), [rec(301), rec(302)], big(303), [rec(603)]].flat().map((r) => r.data),
    )
    // From inside the bytes this process wrote, and from before them.
    expect((await readAll(log, 450))[0]!.ordinal).toBe(450)
    expect((await readAll(log, 150))[0]!.ordinal).toBe(150)
    await log.close()
  })

  it('survives a restart with the same records and continues numbering', async () => {
    const dir = await tempDir()
    const log = await fill(dir, 50, { perAppend: 5 })
    const before = await readAll(log)
    await log.close()
    const reopened = await ShardLog.open({ dir, sync: always })
    expect(reopened.nextOrdinal).toBe(50)
    expect(await readAll(reopened)).toEqual(before)
    await reopened.append([rec(50)], 5_000).durable
    expect((await readAll(reopened, 50)).map((r) => r.ordinal)).toEqual([50])
    await reopened.close()
  })

  it('rolls segments, reads across them, and rebuilds a missing index', async () => {
    const dir = await tempDir()
    const log = await fill(dir, 200, { segmentBytes: 2048, perAppend: 3 })
    const before = await readAll(log)
    await log.close()
    const files = await readdir(dir)
    const segments = files.filter((f) => f.endsWith('.log'))
    expect(segments.length).toBeGreaterThanOrEqual(4)
    for (const f of files.filter((f) => f.endsWith('.idx'))) await unlink(join(dir, f))
    const reopened = await ShardLog.open({ dir, sync: always, segmentBytes: 2048 })
    expect(await readAll(reopened)).toEqual(before)
    expect((await readAll(reopened, 137))[0]!.ordinal).toBe(137)
    expect((await readdir(dir)).filter((f) => f.endsWith('.idx')).length).toBe(segments.length - 1)
    await reopened.close()
  })

  it('respects record and byte budgets but always returns at least one record', async () => {
    const dir = await tempDir()
    const log = await fill(dir, 30)
    expect((await log.read(0, 7, 1 << 20)).records.length).toBe(7)
    const one = await log.read(3, 100, 1)
    expect(one.records.map((r) => r.ordinal)).toEqual([3])
    expect(one.next).toBe(4)
    await log.close()
  })

  it('finds the first record at or after a timestamp', async () => {
    const dir = await tempDir()
    const log = await fill(dir, 100, { segmentBytes: 1024 })
    expect(await log.ordinalAtTimestamp(0)).toBe(0)
    expect(await log.ordinalAtTimestamp(1_050)).toBe(50)
    expect(await log.ordinalAtTimestamp(1_050.5)).toBe(51)
    expect(await log.ordinalAtTimestamp(99_999)).toBe(100)
    await log.close()
  })

  it('trims whole segments older than a cutoff and keeps the numbering', async () => {
    const dir = await tempDir()
    const log = await fill(dir, 100, { segmentBytes: 1024 })
    const removed = await log.trimBefore(1_060)
    expect(removed).toBeGreaterThan(0)
    expect(log.firstOrdinal).toBeGreaterThan(0)
    expect(log.firstOrdinal).toBeLessThanOrEqual(60)
    const all = await readAll(log)
    expect(all[0]!.ordinal).toBe(log.firstOrdinal)
    expect(all.at(-1)!.ordinal).toBe(99)
    await log.close()
    const reopened = await ShardLog.open({ dir, sync: always, segmentBytes: 1024 })
    expect(reopened.firstOrdinal).toBe(all[0]!.ordinal)
    expect(reopened.nextOrdinal).toBe(100)
    await reopened.close()
  })

  describe('recovery', () => {
    async function lastSegment(dir: string) {
      const name = (await readdir(dir))
        .filter((f) => f.endsWith('.log'))
        .sort()
        .at(-1)!
      return join(dir, name)
    }

    /**
     * The segment as a crash would leave it: written and synced, but without the marker a clean
     * close appends (read while the log is still open).
     */
    async function crashImage(dir: string, log: ShardLog): Promise<{ path: string; image: Buffer }> {
      const path = await lastSegment(dir)
      const image = await readFile(path)
      await log.close()
      return { path, image }
    }

    async function recoverTwice(dir: string) {
      const first = await ShardLog.open({ dir, sync: always })
      const a = await readAll(first)
      const next = first.nextOrdinal
      await first.close()
      const second = await ShardLog.open({ dir, sync: always })
      const b = await readAll(second)
      expect(second.nextOrdinal).toBe(next)
      await second.close()
      expect(b).toEqual(a)
      return { records: a, next }
    }

    it('cuts a torn last record at every byte offset, identically twice', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 20)
      const expected = await readAll(log)
      const { path, image: original } = await crashImage(dir, log)
      const size = original.length
      const lastStart = findLastFrame(original)
      for (let cut = lastStart; cut < size; cut++) {
        await writeFile(path, original.subarray(0, cut))
        const { records, next } = await recoverTwice(dir)
        expect(records).toEqual(expected.slice(0, 19))
        expect(next).toBe(19)
        // The valid prefix, then the 40-byte marker the clean close after recovery appended.
        const after = await readFile(path)
        expect(after.subarray(0, lastStart).equals(original.subarray(0, lastStart))).toBe(true)
        expect(after.length).toBe(lastStart + 40)
      }
      // After a cut, new appends continue from the valid prefix.
      await writeFile(path, original.subarray(0, lastStart + 5))
      const reopened = await ShardLog.open({ dir, sync: always })
      const t = reopened.append([rec(99)], 9_999)
      expect(t.firstOrdinal).toBe(19)
      await t.durable
      await reopened.close()
    })

    it('cuts a last record with a flipped bit, identically twice', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 20)
      const expected = await readAll(log)
      const { path, image: original } = await crashImage(dir, log)
      const lastStart = findLastFrame(original)
      for (let byte = lastStart; byte < original.length; byte++) {
        const bit = byte % 8
        const damaged = Buffer.from(original)
        damaged[byte]! ^= 1 << bit
        await writeFile(path, damaged)
        const { records } = await recoverTwice(dir)
        expect(records).toEqual(expected.slice(0, 19))
      }
    })

    it.each([
      ['4 KiB of zeros', Buffer.alloc(4096)],
      ['4 KiB of garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    ])('drops %s appended to the tail', async (_name, tail) => {
      const dir = await tempDir()
      const log = await fill(dir, 10)
      const expected = await readAll(log)
      const { path, image } = await crashImage(dir, log)
      await writeFile(path, Buffer.concat([image, tail]))
      const { records } = await recoverTwice(dir)
      expect(records).toEqual(expected)
    })

    it('refuses to open a cleanly closed log with a corrupt record', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 20)
      await log.close()
      const path = await lastSegment(dir)
      const damaged = await readFile(path)
      damaged[Math.floor(damaged.length / 2)]! ^= 0x10
      await writeFile(path, damaged)
      await expect(ShardLog.open({ dir, sync: always })).rejects.toBeInstanceOf(CorruptLogError)
      await expect(ShardLog.open({ dir, sync: always })).rejects.toThrow(/had been synced/)
    })

    it('refuses corruption of a record synced before a later group commit, even after a crash', async () => {
      const dir = await tempDir()
      const log = await ShardLog.open({ dir, sync: always })
      await log.append([rec(0)], 1).durable
      await log.append([rec(1)], 2).durable
      await log.append([rec(2)], 3).durable
      const { path, image } = await crashImage(dir, log)
      image[30]! ^= 0x01
      await writeFile(path, image)
      await expect(ShardLog.open({ dir, sync: always })).rejects.toThrow(/had been synced/)
    })

    it('cuts, not refuses, when frames of the last unsynced group commit land out of order', async () => {
      const dir = await tempDir()
      const log = await ShardLog.open({ dir, sync: always })
      await log.append([rec(0)], 1).durable
      // One group commit of three appends; then pretend the disk kept its last frame but lost the middle one.
      await Promise.all([
        log.append([rec(1)], 2).durable,
        log.append([rec(2)], 2).durable,
        log.append([rec(3)], 2).durable,
      ])
      const { path, image } = await crashImage(dir, log)
      const starts = frameStarts(image)
      image.fill(0, starts[2]!, starts[3]!)
      await writeFile(path, image)
      const { records } = await recoverTwice(dir)
      expect(records.map((r) => r.ordinal)).toEqual([0, 1])
    })

    it('adds no marker on a reopen that writes nothing', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 3)
      await log.close()
      const size = (await stat(await lastSegment(dir))).size
      await (await ShardLog.open({ dir, sync: always })).close()
      expect((await stat(await lastSegment(dir))).size).toBe(size)
    })

    it('fails reads (and the log) on corruption inside a sealed segment', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 100, { segmentBytes: 1024 })
      await log.close()
      const first = join(dir, (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()[0]!)
      const damaged = await readFile(first)
      damaged[40]! ^= 0x01
      await writeFile(first, damaged)
      const reopened = await ShardLog.open({ dir, sync: always, segmentBytes: 1024 })
      await expect(reopened.read(0, 10, 1 << 20)).rejects.toBeInstanceOf(CorruptLogError)
      expect(reopened.failure).toBeInstanceOf(CorruptLogError)
      expect(() => reopened.append([rec(1)], 1)).toThrow(CorruptLogError)
      await reopened.close()
    })

    it('refuses a sealed segment that lost bytes, once its index is gone', async () => {
      const dir = await tempDir()
      const log = await fill(dir, 100, { segmentBytes: 1024 })
      await log.close()
      const names = (await readdir(dir)).sort()
      const first = join(dir, names.find((f) => f.endsWith('.log'))!)
      await unlink(first.replace(/\.log$/, '.idx'))
      await truncate(first, (await stat(first)).size - 3)
      await expect(ShardLog.open({ dir, sync: always, segmentBytes: 1024 })).rejects.toBeInstanceOf(
        CorruptLogError,
      )
    })
  })

  describe('I/O failures', () => {
    it('fails the appends of a write that hit a full disk, then accepts new ones', async () => {
      const dir = await tempDir()
      let failNext = false
      const io: LogIo = {
        ...nodeLogIo,
        writev: async (fd, buffers, position) => {
          if (failNext) {
            failNext = false
            // Half the bytes land, then the disk is full.
            await nodeLogIo.writev(fd, [buffers[0]!.subarray(0, 7)], position)
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
          }
          return nodeLogIo.writev(fd, buffers, position)
        },
      }
      const log = await ShardLog.open({ dir, sync: always, io })
      await log.append([rec(0)], 1).durable
      failNext = true
      const lost = log.append([rec(1)], 2)
      await expect(lost.durable).rejects.toBeInstanceOf(LogFailedError)
      const next = log.append([rec(2)], 3)
      expect(next.firstOrdinal).toBe(1)
      await next.durable
      expect((await readAll(log)).map((r) => r.data)).toEqual([rec(0).data, rec(2).data])
      await log.close()
      const reopened = await ShardLog.open({ dir, sync: always })
      expect((await readAll(reopened)).map((r) => r.data)).toEqual([rec(0).data, rec(2).data])
      await reopened.close()
    })

    it('stops for good when fsync fails, without retrying it', async () => {
      const dir = await tempDir()
      let syncs = 0
      let broken = false
      const io: LogIo = {
        ...nodeLogIo,
        fdatasync: async (fd) => {
          syncs++
          if (broken) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
          return nodeLogIo.fdatasync(fd)
        },
      }
      const failures: Error[] = []
      const log = await ShardLog.open({ dir, sync: always, io, onFailure: (e) => failures.push(e) })
      await log.append([rec(0)], 1).durable
      broken = true
      const before = syncs
      const a = log.append([rec(1)], 2)
      await expect(a.durable).rejects.toThrow(/fsync .* failed/)
      expect(syncs).toBe(before + 1)
      expect(log.failure).toBeInstanceOf(LogFailedError)
      expect(failures).toEqual([log.failure])
      expect(() => log.append([rec(2)], 3)).toThrow(LogFailedError)
      await expect(log.read(0, 10, 1000)).rejects.toBeInstanceOf(LogFailedError)
      expect(syncs).toBe(before + 1)
    })
  })
})

/** Byte offsets of the frames in a segment file (walks the length fields). */
function frameStarts(buf: Buffer): number[] {
  const starts: number[] = []
  for (let offset = 0; offset < buf.length; offset += 12 + buf.readUInt32LE(offset + 4)) starts.push(offset)
  return starts
}

function findLastFrame(buf: Buffer): number {
  return frameStarts(buf).at(-1)!
}
