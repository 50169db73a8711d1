import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { LOG_MIGRATIONS, LogStore } from '../../../src/monitor/logs/log-store.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { ManualClock } from '../../../src/util/clock.ts'

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'log-store-'))
  const store = StateStore.open(join(dir, 'state.db'))
  onTestFinished(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const clock = new ManualClock(Date.UTC(2026, 11, 6))
  return { store, clock, logs: new LogStore({ store, clock }) }
}

/** Rows written to SQLite so far, read without flushing. */
const written = (store: StateStore) =>
  (store.db.prepare('SELECT COUNT(*) AS n FROM log_events').get() as { n: number }).n

describe('LogStore batches', () => {
  it('writes lines in batches: after 200 ms on its clock, or at once past 500 lines', () => {
    const { store, clock, logs } = open()
    let batches = 0
    logs.onFlush(() => batches++)
    for (let i = 0; i < 3; i++) logs.append('/aws/lambda/f', 's', clock.now(), `line ${i}`)
    expect(written(store)).toBe(0)
    clock.advance(199)
    expect(written(store)).toBe(0)
    clock.advance(1)
    expect(written(store)).toBe(3)
    expect(batches).toBe(1)
    for (let i = 0; i < 500; i++) logs.append('/aws/lambda/f', 's', clock.now(), `more ${i}`)
    expect(written(store)).toBe(503)
    expect(batches).toBe(2)
  })

  it('keeps the order lines were appended in, across streams and many-row inserts', () => {
    const { logs, clock } = open()
    for (let i = 0; i < 1234; i++) logs.append('/aws/lambda/f', i % 3 ? 'a' : 'b', clock.now(), `m${i}`)
    const { events } = logs.events('/aws/lambda/f', { limit: 2000 })
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 1234 }, (_, i) => `m${i}`))
    const b = logs.events('/aws/lambda/f', { limit: 2000, streams: ['b'] }).events
    expect(b.map((e) => e.message)).toEqual(Array.from({ length: 412 }, (_, i) => `m${i * 3}`))
    expect(logs.position()).toBe(Number(events.at(-1)!.eventId))
  })
})

describe('LogStore writes through the API', () => {
  it('puts events at once (no batching delay), after the lines buffered before them, and tells followers', () => {
    const { store, clock, logs } = open()
    let batches = 0
    logs.onFlush(() => batches++)
    logs.append('/aws/lambda/f', 's', clock.now(), 'buffered')
    expect(logs.createGroup('/app/a', { resource: 'arn:a' })).toBe(true)
    expect(logs.createGroup('/app/a', { resource: 'arn:a' })).toBe(false)
    expect(logs.createStream('/app/a', 'x')).toBe(true)
    const last = logs.put('/app/a', 'x', [
      { timestamp: clock.now(), message: 'one' },
      { timestamp: clock.now(), message: 'two' },
    ])
    // Written before put returned: what the dispatcher then makes durable is the whole batch.
    expect(written(store)).toBe(3)
    expect(batches).toBe(2)
    expect(last).toBe(logs.position())
    expect(logs.lastSequence('/app/a', 'x')).toBe(last)
    expect(logs.events('/app/a', { limit: 10 }).events.map((e) => e.message)).toEqual(['one', 'two'])
    expect(Number(logs.events('/aws/lambda/f', { limit: 10 }).events[0]!.eventId)).toBeLessThan(last - 1)
  })

  it('keeps the functions’ groups the default 7 days and created groups until a policy says otherwise', () => {
    const { clock, logs } = open()
    logs.createGroup('/app/kept', { resource: 'arn:kept' })
    logs.createStream('/app/kept', 'x')
    logs.put('/app/kept', 'x', [{ timestamp: clock.now(), message: 'kept' }])
    logs.append('/aws/lambda/f', 's', clock.now(), 'gone')
    logs.flush()
    clock.advance(8 * 86_400_000)
    logs.append('/aws/lambda/f', 's', clock.now(), 'new')
    logs.flush()
    expect(logs.events('/aws/lambda/f', { limit: 10 }).events.map((e) => e.message)).toEqual(['new'])
    expect(logs.events('/app/kept', { limit: 10 }).events.map((e) => e.message)).toEqual(['kept'])
    expect(logs.groups().map((g) => [g.logGroupName, g.retentionInDays])).toEqual([
      ['/app/kept', undefined],
      ['/aws/lambda/f', 7],
    ])
  })
})

describe('LogStore schema', () => {
  it('upgrades a store written before groups could be created: its events stay, API groups work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-store-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'state.db')
    const old = StateStore.open(path)
    // The four migrations of the read-only log store, and a line it wrote.
    old.ensureSchema('logs', LOG_MIGRATIONS.slice(0, 4))
    old.db
      .prepare(
        'INSERT INTO log_events (log_group, log_stream, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?)',
      )
      .run('/aws/lambda/f', 's', Date.UTC(2026, 11, 6), Date.UTC(2026, 11, 6), 'from before')
    old.close()
    const store = StateStore.open(path)
    onTestFinished(() => store.close())
    const logs = new LogStore({ store, clock: new ManualClock(Date.UTC(2026, 11, 6)) })
    expect(store.getMeta('schema:logs')?.readUInt32LE(0)).toBe(LOG_MIGRATIONS.length)
    expect(logs.events('/aws/lambda/f', { limit: 10 }).events.map((e) => e.message)).toEqual(['from before'])
    expect(logs.createGroup('/app/new', { resource: 'arn:new' })).toBe(true)
    expect(logs.groupNames()).toEqual(['/app/new', '/aws/lambda/f'])
  })
})
