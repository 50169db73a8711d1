import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ListStreamsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const BIN = resolve('bin/tributary.js')

function tributary(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** A pipeline named `name` with one stream, in its own directory below `root`. */
async function pipeline(root: string, name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  await writeFile(
    join(dir, 'tributary.config.ts'),
    `export default { name: '${name}', streams: { 'stream-of-${name}': { shardCount: 1 } }, buckets: { raw: {} } }\n`,
  )
  return dir
}

/** Runs `tributary dev <dir>` from `cwd` until its banner, returns the streams it serves, stops it. */
async function runOnce(cwd: string, dir: string): Promise<{ streams: string[]; output: string }> {
  const dev = spawnDev([dir, '--port', String(await freePort()), '--summary', '0'], {}, { cwd })
  const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
  await dev.waitFor(/Ctrl\+C stops/)
  const client = kinesisClient(url)
  const streams = (await client.send(new ListStreamsCommand({}))).StreamNames ?? []
  client.destroy()
  expect((await dev.kill('SIGTERM')).code).toBe(0)
  return { streams, output: dev.output() }
}

describe('one pipeline, one state', () => {
  it('keeps each pipeline in ./.tributary/<name>, found from the directory given to dev', async () => {
    const cwd = await tempDir()
    await pipeline(cwd, 'alpha')
    const b = await pipeline(cwd, 'beta')
    const first = await runOnce(cwd, 'alpha')
    expect(first.streams).toEqual(['stream-of-alpha'])
    expect(first.output).toContain("running pipeline 'alpha' from alpha/tributary.config.ts")
    expect(first.output).toContain('State:       ./.tributary/alpha')
    expect(first.output).toContain('  1 stream · 1 bucket\n')
    const second = await runOnce(cwd, b)
    // Nothing of alpha leaks into beta.
    expect(second.streams).toEqual(['stream-of-beta'])
    expect((await readdir(join(cwd, '.tributary'))).sort()).toEqual(['alpha', 'beta'])
    expect(second.output).not.toContain('note: ./.tributary holds state')
  })

  it('says that the old shared ./.tributary is no longer used', async () => {
    const cwd = await tempDir()
    await pipeline(cwd, 'alpha')
    await mkdir(join(cwd, '.tributary'))
    await writeFile(join(cwd, '.tributary', 'state.db'), '')
    const { output } = await runOnce(cwd, 'alpha')
    expect(output).toMatch(
      /note: \.\/\.tributary holds state from before each pipeline had its own directory; it is not used/,
    )
    expect(existsSync(join(cwd, '.tributary', 'state.db'))).toBe(true)
  })

  it('says when a directory holds no pipeline file', async () => {
    const cwd = await tempDir()
    const run = await tributary(cwd, ['dev', '.'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^tributary: error: no pipeline file in \.\/ \(looked for tributary\.config\.ts, tributary\.config\.mts, tributary\.config\.js, tributary\.config\.mjs\)\n {2}hint: /,
    )
    expect(run.stderr).not.toContain('Directory import')
  })
})

describe('tributary reset', () => {
  it('asks, refuses without a terminal or --yes, deletes only the state with --yes', async () => {
    const cwd = await tempDir()
    await pipeline(cwd, 'alpha')
    await runOnce(cwd, 'alpha')
    const state = join(cwd, '.tributary', 'alpha')
    await writeFile(join(state, 'my-notes.txt'), 'not tributary state')

    const refused = await tributary(cwd, ['reset', 'alpha'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      "tributary: error: not deleting the state of pipeline 'alpha' in ./.tributary/alpha without asking, and there is no terminal to ask on\n" +
        '  hint: pass --yes to delete without asking\n',
    )
    expect(existsSync(join(state, 'state.db'))).toBe(true)

    const done = await tributary(cwd, ['reset', 'alpha', '--yes'])
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(
      /^tributary: deleted the state of pipeline 'alpha' in \.\/\.tributary\/alpha \(state\.db, /,
    )
    expect(done.stdout).toContain("kept what is not a pipeline's state in ./.tributary/alpha: my-notes.txt")
    expect(await readdir(state)).toEqual(['my-notes.txt'])
  })

  it('never deletes a directory that is not a data directory', async () => {
    const cwd = await tempDir()
    await writeFile(join(cwd, 'precious.txt'), 'keep me')
    const run = await tributary(cwd, ['reset', '--data-dir', '.', '--yes'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^tributary: error: \. is not a Tributary data directory \(it has no state\.db\); nothing was deleted\n {2}hint: /,
    )
    expect(await readdir(cwd)).toEqual(['precious.txt'])
  })
})

describe('tributary query finds the state', () => {
  it('refuses a data dir with no lake, naming the ones there are', async () => {
    const cwd = await tempDir()
    await pipeline(cwd, 'alpha')
    await runOnce(cwd, 'alpha')
    const run = await tributary(cwd, ['query', 'SELECT 1 AS one', '--data-dir', '.tributary/alpah'])
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tributary: error: no lake in ./.tributary/alpah: nothing to query there\n' +
        '  hint: data directories here: ./.tributary/alpha\n',
    })
    const ok = await tributary(cwd, ['query', 'SELECT 1 AS one', 'alpha', '--json'])
    expect(ok).toMatchObject({ code: 0, stdout: '[\n{"one":1}\n]\n' })
    const nowhere = await tributary(cwd, ['query', 'SELECT 1 AS one'])
    expect(nowhere).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tributary: error: no pipeline here to find the data directory from\n' +
        '  hint: pass the pipeline file (tributary query "<sql>" … path/to/tributary.config.ts) or --data-dir <dir>\n',
    })
  })
})
