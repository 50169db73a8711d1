import { describe, expect, it } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import type { TailRecord } from '../../src/web/source.ts'
import { tailStream } from '../../src/web/tail.ts'
import { engineWithStream } from '../helpers/engine.ts'

describe('tailStream (the dashboard tail)', () => {
  it('follows from the end, then into the shards a reshard opens, from their first record', async () => {
    const { engine, clock } = await engineWithStream('s')
    const put = async (from: number, count: number) => {
      const entries = Array.from({ length: count }, (_, i) => ({
        partitionKey: `k${from + i}`,
        data: Buffer.from(`r${from + i}`).toString('base64'),
      }))
      expect((await putRecords(engine, 's', entries)).outcomes.every((o) => o.ok)).toBe(true)
    }
    await put(0, 5) // before the tail: not shown
    const seen: TailRecord[] = []
    let waiting: (() => void) | undefined
    const stop = tailStream(engine, 's', (records) => {
      seen.push(...records)
      waiting?.()
    })
    const until = async (n: number) => {
      while (seen.length < n) await new Promise<void>((resolve) => (waiting = resolve))
    }
    await put(5, 5)
    await until(5)
    engine.beginUpdate('s', { kind: 'scale', target: 2 })
    clock.advance(1)
    await engine.whenSettled()
    await put(10, 40)
    await until(45)
    stop()
    const texts = seen.map((r) => Buffer.from(r.data, 'base64').toString())
    expect(texts.sort()).toEqual(Array.from({ length: 45 }, (_, i) => `r${i + 5}`).sort())
    expect(new Set(seen.slice(5).map((r) => r.shardId)).size).toBe(2) // both children
    expect(seen.slice(5).every((r) => r.shardId !== seen[0]!.shardId)).toBe(true)
  })
})
