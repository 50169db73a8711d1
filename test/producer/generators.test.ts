import { describe, expect, it } from 'vitest'
import { eventTime, parseCsvLine } from '../../src/cli/produce/file-source.ts'
import { GENERATORS, generator } from '../../src/cli/produce/generators.ts'
import { taxiTrips } from '../../src/producer/index.ts'

const NOW = Date.UTC(2026, 11, 6, 12)

describe('produce generators', () => {
  it.each(GENERATORS)('%s: the same seed and time give the same records; another seed, others', (name) => {
    const take = (seed: number) => {
      const next = generator(name, seed)
      return Array.from({ length: 50 }, (_, i) => next(NOW + i * 10))
    }
    const a = take(1)
    expect(take(1)).toEqual(a)
    expect(take(2)).not.toEqual(a)
    for (const r of a) {
      expect(r.partitionKey.length).toBeGreaterThan(0)
      expect(Object.values(r.value)).toContain(r.partitionKey)
    }
    expect(new Set(a.map((r) => r.partitionKey)).size).toBeGreaterThan(5)
  })

  it('plausible values: sensors in range; taxi is taxiTrips', () => {
    const iot = generator('iot', 3)
    for (let i = 0; i < 500; i++) {
      const { value } = iot(NOW)
      expect(value.temperature).toBeGreaterThanOrEqual(-10)
      expect(value.temperature).toBeLessThanOrEqual(45)
      expect(value.humidity).toBeLessThanOrEqual(100)
    }
    // The taxi generator is taxiTrips (test/producer/taxi-trips.test.ts checks its trips).
    const taxi = generator('taxi', 3)
    const next = taxiTrips({ seed: 3 })
    for (let i = 0; i < 50; i++) expect(taxi(NOW + i).value).toEqual(next(NOW + i).trip)
  })

  it('file helpers: CSV quoting, event times as ISO, epoch seconds or milliseconds', () => {
    expect(parseCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', ''])
    expect(eventTime('2026-12-06T12:00:00Z')).toBe(NOW)
    expect(eventTime(NOW / 1000)).toBe(NOW)
    expect(eventTime(NOW)).toBe(NOW)
    expect(eventTime(String(NOW))).toBe(NOW)
    expect(eventTime('yesterday')).toBeUndefined()
  })
})
