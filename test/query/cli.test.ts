import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.ts'
import { catalog, writeLake } from './lake-fixture.ts'

const BIN = resolve('bin/tributary.js')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function tributary(cwd: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'query', ...args], { cwd }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** A project directory: tributary.config.ts with the test catalog, and its lake in .tributary/readings. */
async function project(): Promise<string> {
  const dir = await tempDir()
  const pipeline = { name: 'readings', buckets: { raw: {}, curated: {} }, catalog }
  await writeFile(join(dir, 'tributary.config.ts'), `export default ${JSON.stringify(pipeline, null, 2)}\n`)
  await writeLake(join(dir, '.tributary', 'readings'))
  return dir
}

describe('tributary query', () => {
  it("prints an aligned table using the catalog of ./tributary.config.ts and the pipeline's data dir", async () => {
    const dir = await project()
    const run = await tributary(dir, [
      'SELECT day, count(*) AS n, sum(price) AS paid FROM readings GROUP BY day ORDER BY day',
    ])
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        ' day | n | paid',
        '-----+---+-------',
        '  23 | 4 | 11.00',
        '  24 | 2 | 11.50',
        '(2 rows)',
        '',
      ].join('\n'),
    })
  })

  it('prints JSON with --json, taking the pipeline file and data dir as arguments', async () => {
    const dir = await project()
    const elsewhere = await tempDir()
    const run = await tributary(elsewhere, [
      'SELECT trip, km, dt FROM trips ORDER BY trip',
      join(dir, 'tributary.config.ts'),
      '--data-dir',
      join(dir, '.tributary', 'readings'),
      '--json',
    ])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([
      { trip: 't1', km: 3.5, dt: '2026-11-23' },
      { trip: 't2', km: 10, dt: '2026-11-23' },
      { trip: 't3', km: 1.25, dt: '2026-11-24' },
    ])
  })

  it('prints RFC 4180 CSV with --csv and stops at --max-rows, saying so on stderr', async () => {
    const dir = await project()
    const run = await tributary(dir, [
      'SELECT id, sensor FROM readings ORDER BY id DESC',
      '--csv',
      '--max-rows',
      '2',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('id,sensor\r\n6,"x,""quoted"""\r\n5,s-2\r\n')
    expect(run.stderr).toBe('tributary: output stopped at 2 rows; pass --max-rows 0 for all (or add LIMIT)\n')
  })

  it('reads raw files by a path relative to the data dir, without a pipeline', async () => {
    const dir = await tempDir()
    await writeLake(dir)
    const run = await tributary(await tempDir(), [
      "SELECT count(*) AS n FROM read_json_auto('lake/raw/**/[!.]*.json.gz')",
      '--data-dir',
      dir,
      '--json',
    ])
    expect(run).toMatchObject({ code: 0, stdout: '[\n{"n":6}\n]\n' })
  })

  it('reports bad SQL in one line with a hint listing the catalog tables, exit code 1', async () => {
    const dir = await project()
    const run = await tributary(dir, ['SELECT * FROM readingz'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatchInlineSnapshot(`
      "tributary: error: Catalog Error: Table with name readingz does not exist!
        hint: catalog tables in tributary.config.ts: readings, trips, alerts; or read files directly: SELECT * FROM read_json_auto('lake/<bucket>/**/*.json.gz')
      "
    `)
  })

  it('refuses --json with --csv', async () => {
    const run = await tributary(await tempDir(), ['SELECT 1', '--json', '--csv'])
    expect(run.code).toBe(1)
    expect(run.stderr.split('\n')[0]).toMatch(
      /^tributary: error: option '--json' cannot be used with option '--csv'/,
    )
  })
})
