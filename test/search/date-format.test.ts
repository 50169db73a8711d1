/**
 * A date field's `format` (OpenSearch's mapping parameter): values it reads are stored as dates,
 * found by range queries, and survive a reopen; invalid formats and values are refused as
 * OpenSearch refuses them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SearchError } from '../../src/search/errors.ts'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { parseDate } from '../../src/search/mapping.ts'
import { countIndex } from '../../src/search/search.ts'
import { ManualClock } from '../../src/util/clock.ts'

const MS = Date.UTC(2026, 0, 1, 10, 0, 0)

describe('a date format', () => {
  it.each([
    ['yyyy-MM-dd HH:mm:ss.SSS', '2026-01-01 10:00:00.000', MS],
    ['yyyy-MM-dd HH:mm:ss.SSS', '2026-01-01 10:00:00.250', MS + 250],
    ['yyyy-MM-dd HH:mm:ss[.SSS]', '2026-01-01 10:00:00', MS],
    ['yyyy/MM/dd', '2026/01/01', Date.UTC(2026, 0, 1)],
    ["yyyy-MM-dd'T'HH:mmXXX", '2026-01-01T11:00+01:00', MS],
    ['yyyy-MM-dd HH:mm:ss.SSS||strict_date_optional_time', '2026-01-01T10:00:00Z', MS],
    ['epoch_second', '1767261600', MS],
    ['epoch_millis', MS, MS],
    ['date_hour_minute_second', '2026-01-01T10:00:00', MS],
  ] as const)('%s reads %s', (format, value, ms) => {
    expect(parseDate(value, format)).toBe(ms)
  })

  it.each([
    ['yyyy-MM-dd HH:mm:ss.SSS', '2026-01-01T10:00:00.000'],
    ['yyyy-MM-dd HH:mm:ss.SSS', '2026-01-01 10:00:00'],
    ['yyyy-MM-dd', '2026-02-30'],
    ['strict_date_optional_time', '2026-01-01 10:00:00.000'],
    ['epoch_millis', '2026-01-01'],
  ])('%s does not read %s', (format, value) => {
    expect(parseDate(value, format)).toBeNaN()
  })

  it('maps, stores, queries and reopens a date field with a format; refuses what it does not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-format-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const mappings = { properties: { at: { type: 'date', format: 'yyyy-MM-dd HH:mm:ss.SSS' } } }
    let ix = SearchIndexes.open({ dir, clock: new ManualClock(MS), declared: { w: { mappings } } })
    await ix.bulkUpsert('w', [
      { id: 'a', source: { at: '2026-01-01 10:00:00.000' } },
      { id: 'b', source: { at: '2026-01-01 11:00:00.000' } },
    ])
    const inRange = (gte: string) => countIndex(ix.get('w'), { range: { at: { gte } } }, MS)
    // Query values in the field's format, or ISO (the dashboard's filters send ISO).
    expect(inRange('2026-01-01 10:30:00.000')).toBe(1)
    expect(inRange('2026-01-01T09:00:00Z')).toBe(2)
    await expect(ix.bulkUpsert('w', [{ id: 'c', source: { at: '2026-01-01T12:00:00Z' } }])).rejects.toThrow(
      "failed to parse field [at] of type [date] in document with id 'c'",
    )
    ix.close()
    ix = SearchIndexes.open({ dir, clock: new ManualClock(MS) })
    onTestFinished(() => ix.close())
    await ix.bulkUpsert('w', [{ id: 'd', source: { at: '2026-01-01 12:00:00.000' } }])
    expect(countIndex(ix.get('w'), { range: { at: { gte: '2026-01-01 11:00:00.000' } } }, MS)).toBe(2)
  })

  it('refuses an invalid format in a mapping', () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-format-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const ix = SearchIndexes.open({ dir, clock: new ManualClock(MS) })
    onTestFinished(() => ix.close())
    let error: unknown
    try {
      ix.create('w', { properties: { at: { type: 'date', format: 'yyyy-MM-dd qq' } } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SearchError)
    expect((error as SearchError).type).toBe('mapper_parsing_exception')
    expect((error as SearchError).reason).toBe('Invalid format: [yyyy-MM-dd qq]: Unknown pattern letter: q')
  })
})
