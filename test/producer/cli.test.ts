import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { deaggregate } from '../../src/producer/index.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { freePort, spawnServer } from '../helpers/child-server.ts'
import { tempDir } from '../helpers/tmp.ts'
import { readStream } from './helpers.ts'

const BIN = resolve('bin/tributary.js')

function tributary(
  args: string[],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...nodeArgs, BIN, ...args],
      { env: { ...process.env, NODE_OPTIONS: '', ...env } },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

async function served() {
  return startPipeline(
    { name: 'produce', streams: { a: { shardCount: 2 }, b: { shardCount: 2 }, c: { shardCount: 1 } } },
    { serve: true, teardown: onTestFinished },
  )
}

async function userRecords(p: Awaited<ReturnType<typeof served>>, stream: string) {
  const shards = await readStream(p.kinesis!, stream)
  return [...shards.values()].flat().flatMap((r) => deaggregate(r))
}

/** Generated values without their time fields (which come from the wall clock). */
const timeless = (data: Buffer) =>
  JSON.stringify(JSON.parse(data.toString()), (k, v) =>
    /time|^ts$|timestamp|datetime/.test(k) ? undefined : v,
  )

describe('tributary produce', () => {
  it('--records N --json puts N generated records and prints the summary; the same --seed gives the same records', async () => {
    const p = await served()
    const first = await tributary([
      'produce',
      '-s',
      'a',
      '-e',
      p.endpoint!,
      '-n',
      '120',
      '-g',
      'clickstream',
      '--seed',
      '7',
      '--json',
    ])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const summary = JSON.parse(first.stdout)
    expect(summary).toMatchObject({
      stream: 'a',
      records: 120,
      sent: 120,
      failed: 0,
      seed: 7,
      source: 'generator clickstream',
    })
    expect(summary.latencyMs.p99).toBeGreaterThan(0)

    const again = await tributary([
      'produce',
      '-s',
      'b',
      '-e',
      p.endpoint!,
      '-n',
      '120',
      '-g',
      'clickstream',
      '--seed',
      '7',
      '--aggregate',
      '--json',
    ])
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 120 })
    const a = await userRecords(p, 'a')
    const b = await userRecords(p, 'b')
    expect(a).toHaveLength(120)
    expect(b.every((r) => r.subSequenceNumber !== undefined)).toBe(true)
    const key = (r: (typeof a)[number]) => `${r.partitionKey} ${timeless(r.data)}`
    expect(b.map(key).sort()).toEqual(a.map(key).sort())
    const event = JSON.parse(a[0]!.data.toString())
    expect(event).toMatchObject({ user_id: a[0]!.partitionKey, metadata: { schema_version: '1.0' } })

    const other = await tributary([
      'produce',
      '-s',
      'c',
      '-e',
      p.endpoint!,
      '-n',
      '120',
      '-g',
      'clickstream',
      '--seed',
      '8',
      '--json',
    ])
    expect(JSON.parse(other.stdout)).toMatchObject({ sent: 120 })
    expect((await userRecords(p, 'c')).map(key).sort()).not.toEqual(a.map(key).sort())
  }, 120_000)

  it('--file replays NDJSON (as is) and CSV (rows as JSON), with a partition key field; --event-time-field keeps the order', async () => {
    const p = await served()
    const dir = await tempDir()
    const ndjson = join(dir, 'events.ndjson')
    const lines = Array.from({ length: 6 }, (_, i) =>
      JSON.stringify({ id: `d${i % 2}`, at: 1_767_225_600 + i * 2, n: i }),
    )
    await writeFile(ndjson, `${lines.join('\n')}\n`)
    const csv = join(dir, 'trips.csv')
    await writeFile(csv, 'trip_id,fare,note\nt1,12.5,"quoted, comma"\nt2,7,\n')

    const replay = await tributary([
      'produce',
      '-s',
      'a',
      '-e',
      p.endpoint!,
      '-f',
      ndjson,
      '-k',
      'id',
      '--event-time-field',
      'at',
      '--speed',
      '100',
      '--json',
    ])
    expect(replay.code).toBe(0)
    expect(JSON.parse(replay.stdout)).toMatchObject({ records: 6, sent: 6, source: `file ${ndjson}` })
    const got = await userRecords(p, 'a')
    for (const key of ['d0', 'd1'])
      expect(got.filter((r) => r.partitionKey === key).map((r) => r.data.toString())).toEqual(
        lines.filter((l) => l.includes(`"${key}"`)),
      )

    const rows = await tributary([
      'produce',
      '-s',
      'b',
      '-e',
      p.endpoint!,
      '-f',
      csv,
      '-k',
      'trip_id',
      '--json',
    ])
    expect(rows.code).toBe(0)
    const trips = (await userRecords(p, 'b')).map((r) => [r.partitionKey, JSON.parse(r.data.toString())])
    expect(trips.sort()).toEqual([
      ['t1', { trip_id: 't1', fare: 12.5, note: 'quoted, comma' }],
      ['t2', { trip_id: 't2', fare: 7, note: null }],
    ])
  }, 120_000)

  it('--duration ends a throttled run on time: what the stream did not take is counted, not handed over late', async () => {
    // `tributary serve` on the wall clock: the shard's limits refill with time, as the producer's
    // own pace does (a test pipeline's manual clock would never refill them).
    const server = spawnServer(['--port', String(await freePort()), '--data-dir', await tempDir()])
    const endpoint = await server.ready
    const kinesis = new KinesisClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    })
    onTestFinished(() => kinesis.destroy())
    await kinesis.send(new CreateStreamCommand({ StreamName: 'c', ShardCount: 1 }))
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60 }, { StreamName: 'c' })
    // Stream c has one shard, which takes 1,000 records/s (AWS's limit, on by default); 4,000/s
    // are asked for 2 s with room for 500 outstanding, so back-pressure holds the loop.
    const run = await tributary([
      'produce',
      '-s',
      'c',
      '-e',
      endpoint,
      '--rate',
      '4000',
      '--duration',
      '2',
      '--max-outstanding',
      '500',
      '--seed',
      '3',
      '--json',
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const summary = JSON.parse(run.stdout)
    // Without the cut the run would hand over all 8,000 and take about 8 s.
    expect(summary.records).toBeLessThan(6000)
    expect(summary.notHanded).toBeGreaterThan(2000)
    expect(summary.records + summary.notHanded).toBeGreaterThanOrEqual(7900)
    expect(summary.records + summary.notHanded).toBeLessThanOrEqual(8000)
    expect(summary.sent).toBe(summary.records)
    expect(summary.failed).toBe(0)
    expect(summary.rate).toBeLessThan(3000)
    // The rate is over the time the run took (about 3 s: --duration plus at most a second), not --duration.
    expect(summary.durationSeconds).toBeGreaterThan(2)
    expect(summary.durationSeconds).toBeLessThan(5)
    expect([...(await readStream(kinesis, 'c')).values()].flat().length).toBe(summary.sent)

    const text = await tributary([
      'produce',
      '-s',
      'c',
      '-e',
      endpoint,
      '-r',
      '4000',
      '-d',
      '1',
      '--max-outstanding',
      '200',
    ])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(
      /\n {2}behind {5}[\d,]+ records due within --duration were not handed over: the stream took fewer than --rate/,
    )
  }, 120_000)

  it('loads only its own command: not the engine or the server; help still lists every command', async () => {
    const dir = await tempDir()
    // A module resolve hook that writes down every module the CLI loads.
    await writeFile(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.TRACE_FILE, result.url + '\\n')
  return result
}
`,
    )
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'\nregister(new URL('./hooks.mjs', import.meta.url))\n`,
    )
    const trace = join(dir, 'trace.txt')
    const help = await tributary(['produce', '--help'], ['--import', join(dir, 'register.mjs')], {
      TRACE_FILE: trace,
    })
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: tributary produce \[options\]/)
    const loaded = (await readFile(trace, 'utf8')).split('\n').filter((url) => url.includes('/src/'))
    expect(loaded.some((url) => url.endsWith('/src/cli/produce.ts'))).toBe(true)
    expect(loaded.filter((url) => /\/src\/(engine|api|pipeline|web|storage)\//.test(url))).toEqual([])

    const all = await tributary(['--help'])
    expect(all.code).toBe(0)
    const listed = [...all.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1])
    expect(listed).toEqual(
      expect.arrayContaining(['init', 'dev', 'serve', 'produce', 'query', 'sql', 'tail', 'fault', 'alarms']),
    )
    expect(listed).toEqual(expect.arrayContaining(['reset', 'synth', 'diff', 'deploy', 'destroy']))
  }, 60_000)

  it('errors are one line and a hint', async () => {
    const p = await served()
    const missing = await tributary(['produce', '-s', 'nope', '-e', p.endpoint!, '-n', '1'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      `tributary: error: stream 'nope' does not exist on ${p.endpoint}\n  hint: create it (a stream in the pipeline, or \`aws kinesis create-stream\`), or check --stream\n`,
    )
    const noFile = await tributary(['produce', '-s', 'a', '-e', p.endpoint!, '-f', '/nonexistent/x.ndjson'])
    expect(noFile.code).toBe(1)
    expect(noFile.stderr).toMatch(/^tributary: error: no such file: \/nonexistent\/x\.ndjson\n {2}hint: /)
  }, 120_000)
})
