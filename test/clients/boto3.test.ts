/**
 * boto3 (Debian's /usr/bin/python3), unchanged, against the server: a small script
 * (boto3_roundtrip.py) creates a stream, writes with put_record and put_records and reads every
 * shard back; the test then checks the same records through the AWS SDK for JavaScript. Skipped,
 * with the reason shown, when boto3 is missing.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { awsEnv, findBoto3, requireClient } from '../helpers/real-clients.ts'
import { startServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3_roundtrip.py', import.meta.url))
const boto3 = findBoto3()

interface ScriptResult {
  boto3: string
  records: Record<string, { shard: string; data: string }>
}

describe('boto3', () => {
  it('creates a stream, writes and reads records back byte for byte', { timeout: 120_000 }, async (ctx) => {
    requireClient(boto3, ctx)
    const t = await startServer()
    const child = spawn(boto3.python, [SCRIPT, t.url, 'py'], {
      env: awsEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    // The script creates the stream and waits: advance the clock so it turns ACTIVE, then let it go on.
    const created = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk
        if (stdout.includes('CREATED\n')) resolve()
      })
    })
    const first = await Promise.race([created.then(() => 'created' as const), exited])
    expect(first, `boto3 script exited early:\n${stderr}`).toBe('created')
    await t.settle()
    child.stdin.end('go\n')
    const code = await exited
    expect(code, `boto3 script failed:\n${stderr}`).toBe(0)

    const result = JSON.parse(stdout.slice(stdout.indexOf('CREATED\n') + 8)) as ScriptResult
    const written = Object.entries(result.records)
    expect(written).toHaveLength(31)

    // What boto3 wrote, read through another client: same shards, numbers and bytes.
    const seen = new Map<string, { shard: string; data: string }>()
    for (const shard of ['shardId-000000000000', 'shardId-000000000001']) {
      const { ShardIterator } = await t.client.send(
        new GetShardIteratorCommand({ StreamName: 'py', ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }),
      )
      const got = await t.client.send(new GetRecordsCommand({ ShardIterator }))
      for (const r of got.Records ?? []) {
        seen.set(r.SequenceNumber!, { shard, data: Buffer.from(r.Data!).toString('base64') })
      }
    }
    expect(Object.fromEntries(seen)).toEqual(result.records)
    const single = Buffer.from('\x00hello from boto3\xff', 'latin1').toString('base64')
    expect(written.filter(([, r]) => r.data === single)).toHaveLength(1)
  })
})
