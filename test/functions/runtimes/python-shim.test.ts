/**
 * runtimes/python/shim/sitecustomize.py: boto3 clients created with no endpoint_url reach the
 * endpoint AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> name, with Debian's boto3 1.26 (which
 * predates the variables: the shim does it) and with a boto3 that reads them itself (the shim steps
 * aside). Real interpreters, a real served pipeline for the request that crosses the wire.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { awsEnv, findBoto3, requireClient } from '../../helpers/real-clients.ts'
import { tempDir } from '../../helpers/tmp.ts'

const SHIM = join(import.meta.dirname, '../../../runtimes/python/shim')
const debian = findBoto3()
const PYENV = '/root/.pyenv/shims/python3'

/** A python3 with boto3 ≥ 1.28 (native AWS_ENDPOINT_URL), when the machine has one. */
function findNativeBoto3(): { python: string; version: string } | { missing: string } {
  if (!existsSync(PYENV))
    return { missing: `no second python3 at ${PYENV} (boto3 with native AWS_ENDPOINT_URL)` }
  const probe = spawnSync(PYENV, ['-c', 'import boto3; print(boto3.__version__)'], {
    encoding: 'utf8',
    env: { ...awsEnv(), PATH: `/root/.pyenv/shims:${awsEnv().PATH}` },
  })
  const version = probe.stdout?.trim() ?? ''
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (probe.status !== 0 || !(major > 1 || (major === 1 && minor >= 28)))
    return { missing: `${PYENV} has no boto3 ≥ 1.28 (${version || probe.stderr?.trim()})` }
  return { python: PYENV, version }
}
const native = findNativeBoto3()

const RESOLVE = `
import json, sys
print(json.dumps({"botocore_at_start": "botocore" in sys.modules}))
import boto3
out = {}
for name in ["s3", "sqs", "dynamodb", "logs"]:
    out[name] = boto3.client(name, region_name="us-east-1").meta.endpoint_url
out["explicit"] = boto3.client("s3", region_name="us-east-1", endpoint_url="http://explicit:1").meta.endpoint_url
out["resource"] = boto3.resource("dynamodb", region_name="us-east-1").meta.client.meta.endpoint_url
print(json.dumps(out))
`

function pythonRun(python: string, script: string, env: NodeJS.ProcessEnv, pythonPath = SHIM) {
  const r = spawnSync(python, ['-c', script], {
    encoding: 'utf8',
    env: { ...awsEnv(), PATH: `/root/.pyenv/shims:${awsEnv().PATH}`, PYTHONPATH: pythonPath, ...env },
    timeout: 60_000,
  })
  if (r.status !== 0) throw new Error(`${python} failed: ${r.stderr}`)
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

const cases = [
  ['Debian boto3 (the shim patches)', debian],
  ['boto3 with native AWS_ENDPOINT_URL (the shim steps aside)', native],
] as const

describe('the Python SDK shim (sitecustomize)', () => {
  for (const [name, found] of cases)
    it(`${name}: endpoints from the variables, an explicit endpoint_url wins`, async (ctx) => {
      requireClient(found, ctx)
      const [start, endpoints] = pythonRun(found.python, RESOLVE, {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9999',
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:7777',
      })
      expect(start).toEqual({ botocore_at_start: false })
      expect(endpoints).toEqual({
        s3: 'http://127.0.0.1:4567',
        sqs: 'http://127.0.0.1:9999',
        dynamodb: 'http://127.0.0.1:4567',
        logs: 'http://127.0.0.1:7777',
        explicit: 'http://explicit:1',
        resource: 'http://127.0.0.1:4567',
      })
    })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true leaves the AWS endpoints', async (ctx) => {
    requireClient(debian, ctx)
    const [, endpoints] = pythonRun(debian.python, RESOLVE, {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    })
    expect(endpoints.s3).toBe('https://s3.amazonaws.com')
    expect(endpoints.dynamodb).toBe('https://dynamodb.us-east-1.amazonaws.com')
  })

  it('runs the sitecustomize it hides (the next one on sys.path)', async (ctx) => {
    requireClient(debian, ctx)
    const dir = await tempDir()
    await mkdir(join(dir, 'later'))
    await writeFile(join(dir, 'later', 'sitecustomize.py'), 'import os\nos.environ["CHAINED"] = "yes"\n')
    const [out] = pythonRun(
      debian.python,
      'import json, os; print(json.dumps(os.environ.get("CHAINED")))',
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567' },
      `${SHIM}:${join(dir, 'later')}`,
    )
    expect(out).toBe('yes')
  })

  for (const [name, found] of cases)
    it(`${name}: a client with no endpoint_url writes to the served pipeline`, {
      timeout: 120_000,
    }, async (ctx) => {
      requireClient(found, ctx)
      const p = await startPipeline(
        { name: 'shim', buckets: { raw: {} } },
        { serve: true, teardown: onTestFinished },
      )
      const script = `
import boto3
boto3.client("s3").put_object(Bucket="raw", Key="from-python.txt", Body=b"hello")
`
      // Asynchronously: the server answering the request lives in this process.
      const child = spawn(found.python, ['-c', script], {
        env: { ...awsEnv(), PYTHONPATH: SHIM, AWS_ENDPOINT_URL: p.endpoint },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const [code] = await once(child, 'exit')
      expect(stderr).toBe('')
      expect(code).toBe(0)
      expect(await p.lake.text('raw', 'from-python.txt')).toBe('hello')
    })
})
