import { spawnSync } from 'node:child_process'
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, it } from 'vitest'
import { spawnDev } from '../../helpers/child-dev.ts'
import { freePort } from '../../helpers/child-server.ts'
import { kinesisClient } from '../../helpers/server.ts'
import { tempDir } from '../../helpers/tmp.ts'

/** `tributary dev` on a pipeline whose function `f` reads stream `s`; `put` retries until the stream is ACTIVE. */
async function devWith(dir: string, fn: string) {
  await writeFile(
    join(dir, 'tributary.config.ts'),
    `export default {
  streams: { s: { shardCount: 1 } },
  functions: { f: ${fn} },
  mappings: [{ function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}
`,
  )
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
  return { dev, put }
}

const bootstrap = (tag: string) => `#!${process.execPath}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime'
;(async () => {
  for (;;) {
    const res = await fetch(api + '/invocation/next')
    const id = res.headers.get('lambda-runtime-aws-request-id')
    const event = await res.json()
    for (const r of event.Records) console.log('${tag} ' + Buffer.from(r.kinesis.data, 'base64'))
    await fetch(api + '/invocation/' + id + '/response', { method: 'POST', body: 'null' })
  }
})()
`

describe('tributary dev reloads process runtimes', () => {
  it('restarts a custom runtime when its bootstrap is saved (written or renamed over)', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'rt'))
    const save = async (tag: string) => {
      await writeFile(join(dir, 'rt', 'bootstrap.tmp'), bootstrap(tag))
      await chmod(join(dir, 'rt', 'bootstrap.tmp'), 0o755)
      await rename(join(dir, 'rt', 'bootstrap.tmp'), join(dir, 'rt', 'bootstrap'))
    }
    await save('v1')
    const { dev, put } = await devWith(dir, "{ runtime: 'provided.al2023', handler: 'x.y', code: 'rt' }")
    await put('one')
    await dev.waitFor(/\[f\] v1 one/)
    await save('v2')
    await dev.waitFor(/reloaded function f/)
    await put('two')
    await dev.waitFor(/\[f\] v2 two/)
  })

  it('restarts a Python function when any module under its code directory changes', async (ctx) => {
    if (spawnSync('python3', ['--version']).status !== 0) ctx.skip('python3 not on PATH')
    const dir = await tempDir()
    await mkdir(join(dir, 'py', 'lib'), { recursive: true })
    await writeFile(join(dir, 'py', 'lib', '__init__.py'), '')
    await writeFile(join(dir, 'py', 'lib', 'tags.py'), "TAG = 'v1'\n")
    await writeFile(
      join(dir, 'py', 'app.py'),
      `import base64
from lib.tags import TAG

def handler(event, context):
    for r in event['Records']:
        print(TAG, base64.b64decode(r['kinesis']['data']).decode())
`,
    )
    const { dev, put } = await devWith(dir, "{ runtime: 'python3.12', handler: 'app.handler', code: 'py' }")
    await put('one')
    await dev.waitFor(/\[f\] v1 one/)
    await writeFile(join(dir, 'py', 'lib', 'tags.py'), "TAG = 'v2'\n")
    await dev.waitFor(/reloaded function f/)
    await put('two')
    await dev.waitFor(/\[f\] v2 two/)
  })
})
