import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../../helpers/child-dev.ts'
import { freePort } from '../../helpers/child-server.ts'
import { kinesisClient } from '../../helpers/server.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { needPython } from './python-helpers.ts'

/**
 * `tributary dev` with a Python function: its requirements.txt when no index is reachable (one
 * line per requirement the system does not satisfy, the function runs anyway), and the new code
 * of a .py file saved while it runs (the module it imports, not only the handler's), and an
 * edited requirements.txt installed again.
 */
describe('tributary dev with a Python function', () => {
  it('says which requirement is missing offline, runs anyway, and reloads an edited .py file', async (ctx) => {
    needPython(ctx)
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  streams: { s: { shardCount: 1 } },
  functions: { processor: { runtime: 'python3.12', code: 'py', handler: 'handler.lambda_handler' } },
  mappings: [{ function: 'processor', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}
`,
    )
    await mkdir(join(dir, 'py'))
    await writeFile(
      join(dir, 'py', 'handler.py'),
      `import base64
from helper import TAG

def lambda_handler(event, context):
    for r in event["Records"]:
        print(TAG, base64.b64decode(r["kinesis"]["data"]).decode())
`,
    )
    await writeFile(join(dir, 'py', 'helper.py'), 'TAG = "v1"\n')
    await writeFile(join(dir, 'py', 'requirements.txt'), 'boto3\ntributary-absent-pkg>=14\n')
    const dev = spawnDev(
      [
        join(dir, 'tributary.config.ts'),
        '--data-dir',
        join(dir, 'data'),
        '--port',
        String(await freePort()),
        '--summary',
        '0',
      ],
      {
        // Debian's python3 first (as .ci/run installs it); pip with no mirror and an index nothing listens on.
        PATH: `/usr/bin:${process.env.PATH}`,
        PIP_CONFIG_FILE: '/dev/null',
        PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      },
    )
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    expect(dev.output()).toContain(
      "function processor: requirement 'tributary-absent-pkg>=14' is not installed and pip could not reach an index; running on the system's packages",
    )
    // boto3 is Debian's: nothing to say about it.
    expect(dev.output()).not.toContain("requirement 'boto3'")
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
    await dev.waitFor(/\[processor\] v1 one/)
    // An editor's save: a temp file renamed over the module.
    await writeFile(join(dir, 'py', 'helper.py.tmp'), 'TAG = "v2"\n')
    await rename(join(dir, 'py', 'helper.py.tmp'), join(dir, 'py', 'helper.py'))
    await dev.waitFor(/reloaded function processor/)
    await put('two')
    await dev.waitFor(/\[processor\] v2 two/)
    // An edited requirements.txt is installed again (the functions are rebuilt): pip is asked anew.
    await writeFile(join(dir, 'py', 'requirements.txt'), 'boto3\ntributary-other-pkg==2\n')
    await dev.waitFor(
      /requirement 'tributary-other-pkg==2' is not installed and pip could not reach an index/,
    )
    await dev.waitFor(/reloaded \S*tributary\.config\.ts/)
    await put('three')
    await dev.waitFor(/\[processor\] v2 three/)
    client.destroy()
    expect((await dev.kill('SIGTERM')).code).toBe(0)
  })
})
