import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { CreateStreamCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnTributary } from '../helpers/child-dev.ts'
import { freePort, spawnServer } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const BIN = resolve('bin/tributary.js')
const ALARMS = new URL('../fixtures/pipelines/alarms/tributary.config.ts', import.meta.url).pathname

function tributary(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** A `tributary serve` child with a 2-shard stream `events`, ACTIVE. */
async function serverWithStream() {
  const server = spawnServer([
    '--port',
    String(await freePort()),
    '--data-dir',
    await tempDir(),
    '--create-stream-ms',
    '0',
  ])
  const url = await server.ready
  const client = kinesisClient(url)
  await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }))
  await waitUntilStreamExists(
    { client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.2 },
    { StreamName: 'events' },
  )
  return { server, url, client }
}

describe('tributary tail', () => {
  it("prints a stream's records from every shard", async () => {
    const { server, url, client } = await serverWithStream()
    await client.send(
      new PutRecordsCommand({
        StreamName: 'events',
        Records: ['a', 'b', 'c', 'd'].map((k) => ({ PartitionKey: k, Data: Buffer.from(`{"key":"${k}"}`) })),
      }),
    )
    client.destroy()
    const run = await tributary([
      'tail',
      'events',
      '--endpoint',
      url,
      '--from',
      'trim-horizon',
      '-n',
      '4',
      '--json',
    ])
    expect(run.code).toBe(0)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.data).sort()).toEqual(['a', 'b', 'c', 'd'].map((k) => `{"key":"${k}"}`))
    expect(new Set(lines.map((l) => l.shardId)).size).toBeGreaterThan(0)
    await server.kill('SIGTERM')
  })

  it('says at once what it waits on, before any record arrives', async () => {
    const { server, url, client } = await serverWithStream()
    client.destroy()
    const tail = spawnTributary(['tail', 'events', '--endpoint', url])
    await tail.waitFor(
      /^tributary: tailing stream 'events' on http:\/\/\S+: 2 shards \(shardId-000000000000, shardId-000000000001\), records put from now on \(LATEST\); waiting for records, Ctrl\+C stops\n$/,
    )
    await tail.kill('SIGINT')
    await server.kill('SIGTERM')
  })

  it('names a missing stream in one line with a hint', async () => {
    const dir = await tempDir()
    const server = spawnServer(['--port', String(await freePort()), '--data-dir', dir])
    const url = await server.ready
    const run = await tributary(['tail', 'nope', '--endpoint', url])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^tributary: error: Stream nope under account \d+ not found\.\n {2}hint: /)
    await server.kill('SIGTERM')
  })
})

describe('tributary alarms', () => {
  it('lists alarm states and one alarm’s history from the data directory', async () => {
    const p = await startPipeline(ALARMS, { teardown: onTestFinished })
    await p.until(() => p.runtime.alarms.listAlarms()[0]?.state === 'ALARM')
    await p.close()
    const list = await tributary(['alarms', '--data-dir', p.dataDir])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^no-heartbeat {2}ALARM +since \S+ \S+ {2}Threshold Crossed: /)
    const history = await tributary([
      'alarms',
      '--data-dir',
      p.dataDir,
      '--history',
      'no-heartbeat',
      '--json',
    ])
    const items = JSON.parse(history.stdout) as { newState?: string }[]
    expect(items.map((i) => i.newState).filter(Boolean)[0]).toBe('ALARM')
    const missing = await tributary(['alarms', '--data-dir', `${p.dataDir}/nope`])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('tributary: error: no data directory at')
  })
})
