import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { ShardTail } from '../../src/engine/shard-tail.ts'
import { LogFailedError } from '../../src/storage/log/errors.ts'
import { type LogIo, nodeLogIo } from '../../src/storage/log/io.ts'
import { ShardLog } from '../../src/storage/log/shard-log.ts'
import { engineWithStream } from '../helpers/engine.ts'
import { tempDir } from '../helpers/tmp.ts'

const record = (n: number) => ({ partitionKey: `k${n}`, data: Buffer.from(`r${n}`).toString('base64') })
const texts = (records: readonly { data: Buffer }[]) =>
  records.map((r) => Buffer.from(r.data.toString('latin1'), 'base64').toString())

async function openLog(io?: LogIo): Promise<ShardLog> {
  const log = await ShardLog.open({ dir: await tempDir(), sync: { mode: 'always' }, io })
  onTestFinished(() => log.close())
  return log
}

async function append(log: ShardLog, from: number, count: number): Promise<void> {
  await log.append(
    Array.from({ length: count }, (_, i) => record(from + i)),
    1000 + from,
  ).durable
}

describe('ShardTail', () => {
  it('reads in batches from its position, and moves past a batch only when it is released', async () => {
    const log = await openLog()
    await append(log, 0, 5)
    const tail = ShardTail.ofLog(log, 1)
    expect(tail.readable).toBe(true)
    const batch = (await tail.next(3, 1 << 20))!
    expect(texts(batch.records)).toEqual(['r1', 'r2', 'r3'])
    expect(tail.position).toBe(1) // a checkpoint taken now must not pass records not yet taken in
    batch.release()
    batch.release() // a second release hands nothing back twice, and moves nothing
    expect(tail.position).toBe(4)
    const rest = (await tail.next(10, 1 << 20))!
    expect(texts(rest.records)).toEqual(['r4'])
    rest.release()
    expect([tail.position, tail.readable, tail.ended]).toEqual([5, false, false])
  })

  it('reads a range again without moving (a buffer re-read for delivery)', async () => {
    const log = await openLog()
    await append(log, 0, 4)
    const tail = ShardTail.ofLog(log, 4)
    const again = await tail.readAt(1, 2, 1 << 20)
    expect([texts(again.records), again.next]).toEqual([['r1', 'r2'], 3])
    again.release()
    expect(tail.position).toBe(4)
  })

  it('wakes on append, with no polling', async () => {
    const log = await openLog()
    const tail = ShardTail.ofLog(log)
    let woken = false
    const waiting = tail.wait().then(() => {
      woken = true
    })
    await Promise.resolve()
    expect(woken).toBe(false)
    await append(log, 0, 1)
    await waiting
    expect(tail.readable).toBe(true)
  })

  it('reports a failed log from next(), so a reader never waits on it', async () => {
    let broken = false
    const io: LogIo = {
      ...nodeLogIo,
      fdatasync: async (fd) => {
        if (broken) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
        return nodeLogIo.fdatasync(fd)
      },
    }
    const log = await openLog(io)
    await append(log, 0, 1)
    const tail = ShardTail.ofLog(log, 1)
    expect(tail.readable).toBe(false)
    broken = true
    await expect(append(log, 1, 1)).rejects.toThrow(/fsync/)
    expect(tail.readable).toBe(true)
    await expect(tail.next(10, 1 << 20)).rejects.toBeInstanceOf(LogFailedError)
  })

  it('answers undefined once the log is closed (shutdown): the tail is over', async () => {
    const log = await openLog()
    await append(log, 0, 1)
    const tail = ShardTail.ofLog(log)
    await log.close()
    expect(await tail.next(10, 1 << 20)).toBeUndefined()
  })

  it('ends a closed shard once read to its end, and names starting positions', async () => {
    const { engine, clock, settle } = await engineWithStream('s')
    await putRecords(engine, 's', [record(0), record(1)])
    const shard = engine.stream('s').shards.get(0)!
    const tail = new ShardTail(shard)
    expect(await tail.startingOrdinal('TRIM_HORIZON')).toBe(0)
    expect(await tail.startingOrdinal('LATEST')).toBe(2)
    expect(await tail.startingOrdinal({ atTimestamp: clock.now() + 1 })).toBe(2)
    engine.beginUpdate('s', {
      kind: 'split',
      shard: 0,
      newStartingHashKey: '80000000000000000000000000000000',
    })
    await settle()
    expect(tail.ended).toBe(false) // two records still to read
    const batch = (await tail.next(10, 1 << 20))!
    batch.release()
    expect([tail.readable, tail.ended]).toEqual([false, true])
  })

  it('parks the waits of a shard whose log could not be opened until woken', async () => {
    const failure = new Error('corrupt')
    const tail = new ShardTail({
      log: undefined,
      open: true,
      requireLog: () => {
        throw failure
      },
    })
    expect([tail.unreadable, tail.readable, tail.ended]).toEqual([true, false, false])
    await expect(tail.startingOrdinal('LATEST')).rejects.toBe(failure)
    const waiting = tail.wait()
    tail.wake()
    await waiting
  })
})
