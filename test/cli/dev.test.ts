import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('tributary dev', () => {
  it('refuses a bad pipeline before anything starts: one line naming the field, a hint, exit 1', async () => {
    const dir = await tempDir()
    const file = join(dir, 'tributary.config.ts')
    await writeFile(
      file,
      "export default { streams: { s: { shardCount: 1 } }, functions: { f: { handler: 'missing.handler' } } }\n",
    )
    const dev = spawnDev([file, '--data-dir', join(dir, 'data')])
    const { code } = await dev.exited
    expect(code).toBe(1)
    const lines = dev.output().trim().split('\n')
    expect(lines[0]).toMatch(
      /^tributary: error: .*tributary\.config\.ts: functions\.f\.handler: no file missing\{\.ts,/,
    )
    expect(lines[1]).toMatch(/^ {2}hint: /)
    expect(lines).toHaveLength(2)
  })

  it('says where it looked when there is no pipeline file', async () => {
    const dir = await tempDir()
    const dev = spawnDev([join(dir, 'nope.ts')])
    expect((await dev.exited).code).toBe(1)
    expect(dev.output()).toMatch(/tributary: error: no pipeline file at .*nope\.ts\n {2}hint: /)
  })
})

describe('tributary dev reloads', () => {
  it('runs the new code of a handler file saved while it runs', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  streams: { s: { shardCount: 1 } },
  functions: { f: { handler: 'handler.handler' } },
  mappings: [{ function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}
`,
    )
    const handler = (tag: string) =>
      `export const handler = async (e) => { for (const r of e.Records) console.log('${tag} ' + Buffer.from(r.kinesis.data, 'base64')) }\n`
    await writeFile(join(dir, 'handler.ts'), handler('v1'))
    const dev = spawnDev([
      join(dir, 'tributary.config.ts'),
      '--data-dir',
      join(dir, 'data'),
      '--port',
      String(await freePort()),
      '--summary',
      '0',
    ])
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = kinesisClient(url)
    const put = async (data: string) => {
      for (;;) {
        try {
          return await client.send(
            new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from(data) }),
          )
        } catch (error) {
          if ((error as Error).name !== 'ResourceNotFoundException') throw error
          await new Promise((r) => setImmediate(r))
        }
      }
    }
    await put('one')
    await dev.waitFor(/\[f\] v1 one/)
    await writeFile(join(dir, 'handler.ts'), handler('v2'))
    await dev.waitFor(/reloaded function f/)
    await put('two')
    await dev.waitFor(/\[f\] v2 two/)

    // An editor's save that writes a temp file and renames it over the handler.
    await writeFile(join(dir, 'handler.ts.tmp'), handler('v3'))
    await rename(join(dir, 'handler.ts.tmp'), join(dir, 'handler.ts'))
    await dev.waitFor(/reloaded function f[\s\S]*reloaded function f/)
    await put('three')
    await dev.waitFor(/\[f\] v3 three/)

    // A function added by editing the pipeline file: its handler file is watched from then on.
    await mkdir(join(dir, 'more'))
    await writeFile(join(dir, 'more', 'g.ts'), handler('g1'))
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  streams: { s: { shardCount: 1 } },
  functions: { f: { handler: 'handler.handler' }, g: { handler: 'more/g.handler' } },
  mappings: [
    { function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' },
    { function: 'g', stream: 's', startingPosition: 'LATEST' },
  ],
}
`,
    )
    await dev.waitFor(/reloaded \S*tributary\.config\.ts/)
    await writeFile(join(dir, 'more', 'g.ts'), handler('g2'))
    await dev.waitFor(/reloaded function g/)
    await put('four')
    await dev.waitFor(/\[g\] g2 four/)
    client.destroy()
    expect((await dev.kill('SIGTERM')).code).toBe(0)
    // Four reloads of a real `tributary dev`, each a compile and a new worker: seconds alone, over
    // than the default minute on a loaded CI box.
  }, 180_000)

  it('reloads a function when a file its handler imports is saved', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  streams: { s: { shardCount: 1 } },
  functions: { f: { handler: 'functions/handler.handler' } },
  mappings: [{ function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}
`,
    )
    await mkdir(join(dir, 'functions'))
    await mkdir(join(dir, 'lib'))
    await writeFile(
      join(dir, 'functions', 'handler.ts'),
      "import { tag } from '../lib/tag.ts'\nexport const handler = async (e) => { for (const r of e.Records) console.log(tag + ' ' + Buffer.from(r.kinesis.data, 'base64')) }\n",
    )
    const tag = (value: string) => `export const tag: string = '${value}'\n`
    await writeFile(join(dir, 'lib', 'tag.ts'), tag('v1'))
    const dev = spawnDev([
      join(dir, 'tributary.config.ts'),
      '--data-dir',
      join(dir, 'data'),
      '--port',
      String(await freePort()),
      '--summary',
      '0',
    ])
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = kinesisClient(url)
    const put = async (data: string) => {
      for (;;) {
        try {
          return await client.send(
            new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from(data) }),
          )
        } catch (error) {
          if ((error as Error).name !== 'ResourceNotFoundException') throw error
          await new Promise((r) => setImmediate(r))
        }
      }
    }
    await put('one')
    await dev.waitFor(/\[f\] v1 one/)
    await writeFile(join(dir, 'lib', 'tag.ts'), tag('v2'))
    await dev.waitFor(/reloaded function f/)
    await put('two')
    await dev.waitFor(/\[f\] v2 two/)
    client.destroy()
    expect((await dev.kill('SIGTERM')).code).toBe(0)
  })
})

describe('tributary dev pauses a function whose handler fails to load after an edit', () => {
  it('keeps its records waiting (no DLQ, no lost record), says so once, and resumes on the fix', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  streams: { s: { shardCount: 1 } },
  functions: { processor: { handler: 'processor.handler' } },
  mappings: [{
    function: 'processor', stream: 's', startingPosition: 'TRIM_HORIZON',
    maximumRetryAttempts: 0, destinationConfig: { onFailure: { queue: 'dlq' } },
  }],
  queues: { dlq: {} },
}
`,
    )
    const handler = (tag: string) =>
      `export const handler = async (e) => { for (const r of e.Records) console.log('${tag} ' + Buffer.from(r.kinesis.data, 'base64')) }\n`
    await writeFile(join(dir, 'processor.ts'), handler('v1'))
    const dev = spawnDev(['.', '--port', String(await freePort()), '--summary', '0'], {}, { cwd: dir })
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = kinesisClient(url)
    const put = (data: string) =>
      client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from(data) }))
    await put('one')
    await dev.waitFor(/\[processor\] v1 one/)

    // A half-saved file: the function pauses; records put meanwhile wait in the stream.
    await writeFile(
      join(dir, 'processor.ts'),
      'export const handler = async (e) => {\n  for (const r of e.Records\n',
    )
    await dev.waitFor(
      /tributary: processor: handler failed to load \(processor\.ts:3:1: Runtime\.UserCodeSyntaxError: Expected "\)" but found end of file\); its mappings and other triggers are paused until it loads\n/,
    )
    await put('two')
    await put('three')

    await writeFile(join(dir, 'processor.ts'), handler('v2'))
    await dev.waitFor(
      /tributary: reloaded function processor: its handler loads again; its mappings and other triggers resume/,
    )
    await dev.waitFor(/\[processor\] v2 two\n[\s\S]*\[processor\] v2 three\n/)

    const response = await fetch(`${url}/ui/api/queues`)
    const { queues } = (await response.json()) as {
      queues: { name: string; depth: { visible: number; inFlight: number } }[]
    }
    expect(queues.find((q) => q.name === 'dlq')?.depth).toMatchObject({ visible: 0, inFlight: 0 })
    const out = dev.output()
    expect(out.match(/handler failed to load/g)).toHaveLength(1)
    expect(out).not.toContain('Init Error')
    expect(out).not.toContain('v1 two')
    client.destroy()
    expect((await dev.kill('SIGTERM')).code).toBe(0)
  })
})
