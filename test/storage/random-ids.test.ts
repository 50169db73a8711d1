import { describe, expect, it } from 'vitest'
import { randomBase64, randomHex } from '../../src/util/random-ids.ts'

describe('pooled random ids', () => {
  it('gives ids of the asked size, all different, across many refills of the pool', () => {
    const seen = new Set<string>()
    // 72-byte ids: about 910 per 64 KiB pool, so this crosses the refill point many times.
    for (let i = 0; i < 10_000; i++) {
      const id = randomBase64(72)
      expect(Buffer.from(id, 'base64')).toHaveLength(72)
      seen.add(id)
    }
    expect(seen.size).toBe(10_000)
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('refuses more bytes than the pool holds', () => {
    expect(() => randomHex(64 * 1024 + 1)).toThrow(RangeError)
  })
})
