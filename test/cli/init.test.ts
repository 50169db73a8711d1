import { execFile } from 'node:child_process'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pipelineNameFor, scaffold } from '../../src/cli/init.ts'
import { loadPipeline } from '../../src/pipeline/load.ts'
import { filesUnder } from '../helpers/files.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/tributary.js')
const OWN = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(cwd: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      args,
      { cwd, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const tributary = (cwd: string, args: string[]) => run(cwd, [BIN, ...args])

/**
 * The scaffold as `npm install` would leave it, without the network: the package itself from
 * this checkout (one level up, where Node's resolution also looks), every other dependency from
 * the checkout's node_modules.
 */
async function installFromCheckout(project: string): Promise<void> {
  const parentModules = join(project, '..', 'node_modules')
  await mkdir(parentModules, { recursive: true })
  await symlink(ROOT, join(parentModules, OWN.name), 'dir')
  await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir')
}

describe('tributary init', () => {
  it('scaffolds a pipeline project and says what to run next', async () => {
    const cwd = await tempDir()
    const result = await tributary(cwd, ['init', 'my-pipeline'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('cd my-pipeline\n  npm install\n  npm start')
    const dir = join(cwd, 'my-pipeline')
    expect(await filesUnder(dir)).toEqual([
      '.gitignore',
      'README.md',
      'functions/process-events.ts',
      'package.json',
      'test/pipeline.test.ts',
      'tributary.config.ts',
      'tsconfig.json',
    ])
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({
      name: 'my-pipeline',
      private: true,
      type: 'module',
      scripts: { start: 'tributary dev', test: 'node --import tsx --test test/*.test.ts' },
      dependencies: { [OWN.name]: `^${OWN.version}` },
    })
    expect(Object.keys(pkg.devDependencies)).toEqual(
      expect.arrayContaining(['@aws-sdk/client-kinesis', 'tsx', '@types/aws-lambda', '@types/node']),
    )
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.tributary\/$/m)
    for (const file of await filesUnder(dir))
      expect(await readFile(join(dir, file), 'utf8'), file).not.toContain('__PIPELINE_NAME__')
  })

  it('writes a pipeline the loader accepts, named after the directory', async () => {
    const dir = join(await tempDir(), 'Sensor Feed!')
    scaffold(dir, { force: false })
    await installFromCheckout(dir)
    const loaded = await loadPipeline(join(dir, 'tributary.config.ts'))
    expect(loaded.pipeline.name).toBe('Sensor-Feed')
    expect(Object.keys(loaded.pipeline.streams)).toEqual(['events'])
    expect(loaded.functions.map((f) => f.name)).toEqual(['process-events'])
    expect(loaded.pipeline.mappings).toMatchObject([{ function: 'process-events', stream: 'events' }])
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).name).toBe('sensor-feed')
  })

  it('refuses a directory that is not empty: one line, a hint, exit 1, nothing written', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'notes.txt'), 'mine')
    expect(await tributary(dir, ['init'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tributary: error: this directory is not empty (notes.txt); nothing was written\n' +
        '  hint: pass a new directory (tributary init my-pipeline), or --force to write into it anyway\n',
    })
    expect(await filesUnder(dir)).toEqual(['notes.txt'])
  })

  it('writes into a directory that is not empty with --force, keeping files of other names', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'notes.txt'), 'mine')
    await writeFile(join(dir, 'tributary.config.ts'), 'old')
    scaffold(dir, { force: true, name: 'feed' })
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine')
    expect(await readFile(join(dir, 'tributary.config.ts'), 'utf8')).toContain("name: 'feed'")
  })

  it('counts a directory holding only .git as empty', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, '.git'))
    expect(scaffold(dir, { force: false })).toContain('tributary.config.ts')
  })

  it.each([
    ['a b', "'a b' cannot name a pipeline: it must be 1-128 characters of a-z A-Z 0-9 _ . -"],
    ['..', "'..' cannot name a pipeline: it must be 1-128 characters of a-z A-Z 0-9 _ . -"],
  ])('refuses --name %j before writing anything', async (name, message) => {
    const dir = await tempDir()
    expect(() => scaffold(dir, { force: false, name })).toThrow(message)
    expect(await filesUnder(dir)).toEqual([])
  })

  it.each([
    ['Sensor Feed!', 'Sensor-Feed'],
    ['.hidden', 'hidden'],
    ['---', 'my-pipeline'],
  ])('names the pipeline after the directory %j: %j', (dir, name) => {
    expect(pipelineNameFor(`/tmp/${dir}`)).toBe(name)
  })

  it("the scaffold's own test passes: it starts the pipeline, puts records with the AWS SDK, checks the bucket", async () => {
    const dir = join(await tempDir(), 'app')
    scaffold(dir, { force: false })
    await installFromCheckout(dir)
    // What `npm test` runs, with this checkout's sources standing in for the built package.
    const result = await run(dir, [
      '--conditions=tributary-source',
      '--import',
      'tsx',
      '--test',
      'test/pipeline.test.ts',
    ])
    expect(result.stdout).toMatch(/^# pass 1$/m)
    expect(result.code).toBe(0)
  })
})
