/**
 * A Python function's requirements.txt with real pip and a real virtual environment, offline:
 * no index reachable (a closed loopback port) → the function runs on the system's packages with
 * one notice per unmet requirement; a requirement the system satisfies (Debian's boto3) → no
 * notice; a local wheel (PIP_FIND_LINKS, no index) → installed into the venv and cached.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { preparePythonEnv, venvDirOf } from '../../../src/functions/runtimes/python-deps.ts'
import { awsEnv, findBoto3, requireClient } from '../../helpers/real-clients.ts'
import { tempDir } from '../../helpers/tmp.ts'

const boto3 = findBoto3()

/** pip with no configuration of the machine's (its mirrors) and an index nothing listens on. */
function offlinePipEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...awsEnv(),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
    ...extra,
  }
}

async function functionDir(requirements: string) {
  const root = await tempDir()
  const codeDir = join(root, 'code')
  await mkdir(codeDir)
  await writeFile(join(codeDir, 'requirements.txt'), requirements)
  return { codeDir, dataDir: join(root, 'data') }
}

/** A pure-Python wheel written by hand (a zip with dist-info), so no build backend is needed. */
function buildWheel(dir: string): void {
  const script = `
import sys, zipfile
name = "tribtest_pkg"
with zipfile.ZipFile(sys.argv[1] + "/tribtest_pkg-1.0-py3-none-any.whl", "w") as z:
    z.writestr(name + "/__init__.py", "VALUE = 42\\n")
    info = name + "-1.0.dist-info/"
    z.writestr(info + "METADATA", "Metadata-Version: 2.1\\nName: tribtest-pkg\\nVersion: 1.0\\n")
    z.writestr(info + "WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(info + "RECORD", name + "/__init__.py,,\\n" + info + "METADATA,,\\n" + info + "WHEEL,,\\n" + info + "RECORD,,\\n")
`
  const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
}

describe('Python requirements', () => {
  it('no index reachable: runs on the system packages, one notice per unmet requirement', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const dirs = await functionDir(
      '# the lake writer\nboto3\ntributary-absent-pkg>=14  # columnar\nboto3>=99\n',
    )
    const env = await preparePythonEnv({
      functionName: 'processor',
      ...dirs,
      python: boto3.python,
      env: offlinePipEnv(),
    })
    expect(env.python).toBe(join(venvDirOf(dirs.dataDir, 'processor'), 'bin', 'python'))
    expect(env.notices).toEqual([
      "function processor: requirement 'tributary-absent-pkg>=14' is not installed and pip could not reach an index; running on the system's packages",
      `function processor: requirement 'boto3>=99' is not satisfied (${boto3.version} is installed) and pip could not reach an index; running on the system's packages`,
    ])
    // The venv sees the system's packages.
    const r = spawnSync(env.python, ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8' })
    expect(r.stdout.trim()).toBe(boto3.version)
  })

  it('a requirement the system packages satisfy: no notice, the venv is reused while unchanged', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const dirs = await functionDir('boto3\n')
    const options = { functionName: 'transformer', ...dirs, python: boto3.python, env: offlinePipEnv() }
    const first = await preparePythonEnv(options)
    expect(first.notices).toEqual([])
    expect(existsSync(first.python)).toBe(true)
    // Cached by the requirements' hash: even a pip that cannot run is not asked again.
    const again = await preparePythonEnv({ ...options, env: { ...options.env, PATH: '/nonexistent' } })
    expect(again).toEqual(first)
  })

  it('a local wheel (PIP_FIND_LINKS, no index) is installed into the venv', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const dirs = await functionDir('tribtest-pkg==1.0\n')
    const wheels = join(dirs.dataDir, '..', 'wheels')
    await mkdir(wheels)
    buildWheel(wheels)
    const env = await preparePythonEnv({
      functionName: 'generator',
      ...dirs,
      python: boto3.python,
      env: offlinePipEnv({ PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels }),
    })
    expect(env.notices).toEqual([])
    const r = spawnSync(env.python, ['-c', 'import tribtest_pkg; print(tribtest_pkg.VALUE)'], {
      encoding: 'utf8',
    })
    expect(r.stdout.trim()).toBe('42')
    const system = spawnSync(boto3.python, ['-c', 'import tribtest_pkg'], { encoding: 'utf8' })
    expect(system.status).not.toBe(0)
  })

  it('no requirements.txt: the interpreter as given, nothing created', async () => {
    const root = await tempDir()
    const env = await preparePythonEnv({
      functionName: 'f',
      codeDir: root,
      dataDir: join(root, 'data'),
      python: 'python3',
    })
    expect(env).toEqual({ python: 'python3', notices: [] })
    expect(existsSync(join(root, 'data'))).toBe(false)
  })
})
