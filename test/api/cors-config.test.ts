/**
 * Where allowed CORS origins come from: `--cors-origin` on `serve` and `dev` (checked, with a clear
 * error) and `server.corsOrigins` in the pipeline file (validated with the field named).
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { PipelineError, validatePipeline } from '../../src/pipeline/validate.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort, spawnServer } from '../helpers/child-server.ts'
import { rawRequest } from '../helpers/raw-http.ts'
import { tempDir } from '../helpers/tmp.ts'

const BIN = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url))

const preflight = (url: string, origin: string) =>
  rawRequest(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    )
  })
}

describe('--cors-origin', () => {
  it.each(['serve', 'dev'])(
    '%s refuses a value that is not an origin, saying what one looks like',
    async (cmd) => {
      const { code, stderr } = await run([cmd, '--cors-origin', 'app.example.com:3000'])
      expect(code).toBe(1)
      expect(stderr).toContain(
        "option '--cors-origin <origin>' argument 'app.example.com:3000' is invalid. CORS origin " +
          "'app.example.com:3000' must start with http:// or https://",
      )
    },
  )

  it('serve allows the given origins besides loopback ones', async () => {
    const dir = await tempDir()
    const server = spawnServer([
      '--port',
      '0',
      '--data-dir',
      dir,
      '--cors-origin',
      'https://app.example.com',
      '--cors-origin',
      'https://admin.example.com/',
    ])
    const url = await server.ready
    for (const origin of ['https://app.example.com', 'https://admin.example.com', 'http://localhost:3000']) {
      const res = await preflight(url, origin)
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, origin])
    }
    expect((await preflight(url, 'https://other.example.com')).status).toBe(403)
  })

  it("dev adds the flag's origins to the pipeline file's server.corsOrigins", async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      "export default { name: 'cors', server: { corsOrigins: ['https://from-config.example'] } }\n",
    )
    const dev = spawnDev([
      dir,
      '--data-dir',
      join(dir, 'data'),
      '--port',
      String(await freePort()),
      '--summary',
      '0',
      '--no-watch',
      '--cors-origin',
      'https://from-flag.example',
    ])
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    for (const origin of ['https://from-config.example', 'https://from-flag.example']) {
      const res = await preflight(url, origin)
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, origin])
    }
    expect((await preflight(url, 'https://other.example')).status).toBe(403)
  })
})

describe('server.corsOrigins in the pipeline file', () => {
  it('names the field and says what is wrong', async () => {
    const dir = await tempDir()
    let message = ''
    try {
      validatePipeline({ server: { corsOrigins: ['*', 'http://app.example.com/path'] } }, dir)
    } catch (error) {
      expect(error).toBeInstanceOf(PipelineError)
      message = (error as Error).message
    }
    expect(message).toBe(
      `server.corsOrigins[1]: CORS origin 'http://app.example.com/path' must be only scheme, host and port (like http://app.example.com), without a path (got "http://app.example.com/path")`,
    )
  })

  it('accepts origins and *', async () => {
    const dir = await tempDir()
    const { pipeline } = validatePipeline({ server: { corsOrigins: ['*', 'https://app.example.com'] } }, dir)
    expect(pipeline.server).toEqual({ corsOrigins: ['*', 'https://app.example.com'] })
  })
})
