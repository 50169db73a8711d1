import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const BROKEN = 'export const handler = async (e) => {\n  return e.Records.length +\n'
const THROWS = `export const handler = async (event) => {
  const missing = undefined
  return missing.field
}
`

/** A project directory holding a pipeline file and handler files. */
async function project(config: string, handlers: Record<string, string>): Promise<string> {
  const dir = await tempDir()
  await writeFile(join(dir, 'tributary.config.ts'), `export default ${config}\n`)
  for (const [name, source] of Object.entries(handlers)) await writeFile(join(dir, name), source)
  return dir
}

async function devIn(dir: string, extra: string[] = []) {
  const dev = spawnDev(
    ['.', '--port', String(await freePort()), '--summary', '0', ...extra],
    {},
    { cwd: dir },
  )
  const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
  return { dev, url }
}

describe('tributary dev in the terminal', () => {
  it('names the place of a syntax error in the pipeline file', async () => {
    const dir = await project('{\n  streams: { s: { shardCount: 1 } ,\n}', {})
    const dev = spawnDev(['.'], {}, { cwd: dir })
    expect((await dev.exited).code).toBe(1)
    expect(dev.output()).toMatch(
      /^tributary: error: tributary\.config\.ts:4:1: Expected "}" but found end of file\n {2}hint: /,
    )
  })

  it('names the wrong --summary value in seconds', async () => {
    const dev = spawnDev(['--summary', '-1'])
    expect((await dev.exited).code).toBe(1)
    expect(dev.output()).toMatch(/--summary.*expected a whole number of seconds \(0: never\)/)
  })

  it(
    'prints the banner once streams are ACTIVE with the e-mail notice under it, handler errors as ' +
      'one line with their place, and where a failed async event went',
    async () => {
      const dir = await project(
        `{
  name: 'terminal',
  streams: { s: { shardCount: 1 } },
  functions: {
    broken: { handler: 'broken.handler' },
    throws: { handler: 'throws.handler' },
    scheduled: {
      handler: 'throws.handler',
      asyncInvokeConfig: { maximumRetryAttempts: 0 },
      deadLetterQueue: { queue: 'dlq' },
    },
  },
  mappings: [
    { function: 'broken', stream: 's', startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 0 },
    { function: 'throws', stream: 's', startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 0 },
  ],
  queues: { dlq: {} },
  schedules: { tick: { schedule: 'rate(1 hour)', function: 'scheduled' } },
  topics: { alerts: { subscriptions: [{ email: 'ops@example.com' }] } },
}`,
        { 'broken.ts': BROKEN, 'throws.ts': THROWS },
      )
      const { dev, url } = await devIn(dir, ['--fire-schedules'])
      // A producer started on the banner: no retry on ResourceNotFoundException.
      const client = kinesisClient(url)
      await client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
      client.destroy()
      await dev.waitFor(/\[broken\] Init Error: .*\n/)
      await dev.waitFor(/\[throws\] Invoke Error: .*\n/)
      await dev.waitFor(/async event \S+ for scheduled .*\n/)
      const out = dev.output()
      // Where e-mail goes without SMTP is information, under the banner, not a first line.
      expect(out.split('\n')[0]).toBe("Tributary is running pipeline 'terminal' from tributary.config.ts")
      expect(out).toMatch(
        /\n {2}e-mail: no SMTP server configured \(smtp\.host or TRIBUTARY_SMTP_HOST\), so e-mail to ops@example\.com \(topics\.alerts\.subscriptions\[0\]\) is written to \.\/\.tributary\/terminal\/outbox\.ndjson\n/,
      )
      expect(out).toMatch(
        /\n\[broken\] Init Error: broken\.ts:3:1: Runtime\.UserCodeSyntaxError: Unexpected end of file\n/,
      )
      expect(out).toMatch(
        /\n\[throws\] Invoke Error: throws\.ts:3:\d+: TypeError: Cannot read properties of undefined \(reading 'field'\)\n/,
      )
      expect(out).toMatch(
        /tributary: warning: async event \S+ for scheduled failed \(RetriesExhausted after 1 attempt\); sent to queue dlq\n/,
      )
      expect(out).not.toContain('dropped')
      expect(out).not.toContain('"errorType"')
      expect(out).not.toMatch(/^\S*\s+at /m)
      expect(out.match(/stack traces: tributary dev --verbose/g)).toHaveLength(1)
      expect((await dev.kill('SIGTERM')).code).toBe(0)
    },
  )

  it('prints stacks with --verbose', async () => {
    const dir = await project(
      `{
  streams: { s: { shardCount: 1 } },
  functions: { throws: { handler: 'throws.handler' } },
  mappings: [{ function: 'throws', stream: 's', startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 0 }],
}`,
      { 'throws.ts': THROWS },
    )
    const { dev, url } = await devIn(dir, ['--verbose'])
    const client = kinesisClient(url)
    await client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
    client.destroy()
    await dev.waitFor(
      /\[throws\] Invoke Error: throws\.ts:3:\d+: TypeError: .*\n\[throws\] {3}at .*throws\.ts:3:/,
    )
    expect(dev.output()).not.toContain('stack traces: tributary dev --verbose')
    expect((await dev.kill('SIGTERM')).code).toBe(0)
  })

  it('says what Ctrl+C waits for, and what a second Ctrl+C abandons', async () => {
    const dir = await project(
      `{
  streams: { s: { shardCount: 1 } },
  functions: { slow: { handler: 'slow.handler', timeout: 60 } },
  mappings: [{ function: 'slow', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}`,
      {
        'slow.ts':
          "export const handler = async () => {\n  console.log('started')\n  await new Promise(() => {})\n}\n",
      },
    )
    const { dev, url } = await devIn(dir)
    const client = kinesisClient(url)
    await client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
    client.destroy()
    await dev.waitFor(/\[slow\] started/)
    dev.child.kill('SIGINT')
    await dev.waitFor(
      /tributary: stopping: waiting for 1 invocation of slow \(timeout 60 s\); Ctrl\+C again to abandon it\n/,
    )
    dev.child.kill('SIGINT')
    expect((await dev.exited).code).toBe(130)
    expect(dev.output()).toMatch(
      /tributary: abandoned 1 invocation of slow; their events come again at the next start\n/,
    )
  })
})
