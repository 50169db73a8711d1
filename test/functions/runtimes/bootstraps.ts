import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { FunctionSpec } from '../../../src/contracts/functions.ts'
import { tempDir } from '../../helpers/tmp.ts'

/**
 * A custom runtime written as a Node.js script: a real Runtime API client (fetch), doing what
 * each event's `action` says. Lets the tests drive every path of the process model without a
 * language toolchain beyond the `node` running them.
 */
export const NODE_BOOTSTRAP = `#!${process.execPath}
const fs = require('node:fs')
const { spawn } = require('node:child_process')
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime'
const post = (path, body, headers = {}) =>
  fetch(api + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers })
;(async () => {
  if (process.env.PID_FILE) fs.writeFileSync(process.env.PID_FILE, String(process.pid))
  if (process.env.INIT_FAIL) {
    await post('/init/error', { errorMessage: 'init went wrong', errorType: 'Runtime.Custom', stackTrace: ['at init'] })
    process.exit(1)
  }
  if (process.env.INIT_EXIT) process.exit(7)
  if (process.env.INIT_HANG) return setInterval(() => {}, 1000)
  console.log('init line')
  const keep = []
  for (;;) {
    const res = await fetch(api + '/invocation/next')
    const id = res.headers.get('lambda-runtime-aws-request-id')
    const deadline = Number(res.headers.get('lambda-runtime-deadline-ms'))
    const event = await res.json()
    const a = event.action
    if (a === 'fail') {
      await post('/invocation/' + id + '/error', { errorMessage: 'bad record', errorType: 'ValueError', stackTrace: ['line 1'] }, { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' })
      continue
    }
    if (a === 'hang') {
      const child = spawn('sleep', ['600'], { stdio: 'ignore' })
      fs.writeFileSync(event.pidFile, String(child.pid))
      console.log('hanging')
      await new Promise(() => {})
    }
    if (a === 'exit') {
      console.log('exiting now')
      process.exit(3)
    }
    if (a === 'gate') await (await fetch(event.gate)).text()
    if (a === 'log') {
      console.log('to stdout')
      console.error('to stderr')
      process.stdout.write('no newline')
    }
    if (a === 'grow') keep.push(Buffer.alloc(64 * 1024 * 1024, 1))
    if (a === 'big') {
      const r = await post('/invocation/' + id + '/response', JSON.stringify('x'.repeat(7 * 1024 * 1024)))
      console.log('big answered ' + r.status)
      continue
    }
    const env = {}
    for (const k of event.env ?? []) env[k] = process.env[k]
    await post('/invocation/' + id + '/response', {
      pid: process.pid,
      requestId: id,
      remaining: deadline - Date.now(),
      arn: res.headers.get('lambda-runtime-invoked-function-arn'),
      env,
      event,
      cwd: process.cwd(),
      records: event.Records ? event.Records.length : undefined,
    })
  }
})()
`

/** A POSIX shell custom runtime using curl, as the AWS tutorial writes one. */
export const SHELL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "shell got $ID"
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "{\\"handler\\":\\"$_HANDLER\\",\\"echo\\":$EVENT}"
done
`

/** A code directory holding `bootstrap` (executable). */
export async function bootstrapDir(source = NODE_BOOTSTRAP): Promise<string> {
  const dir = await tempDir('tributary-runtime-')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'bootstrap'), source)
  await chmod(join(dir, 'bootstrap'), 0o755)
  return dir
}

/** A provided.al2023 function spec for a bootstrap directory. */
export function providedSpec(
  name: string,
  codeDir: string,
  overrides: Partial<FunctionSpec> = {},
): FunctionSpec {
  return {
    name,
    file: join(codeDir, 'bootstrap'),
    exportName: 'function.handler',
    timeoutMs: 3000,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
    runtime: 'provided.al2023',
    handler: 'function.handler',
    codeDir,
    ...overrides,
  }
}

/**
 * Whether a process is alive: it exists and is not a zombie (a killed grandchild waits to be
 * reaped by whatever adopted it, which in a container may never happen).
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return existsSync(`/proc/${pid}`)
  }
}

/** `curl` on PATH, or why not. */
export function curlMissing(): string | undefined {
  const probe = spawnSync('curl', ['--version'], { encoding: 'utf8' })
  return probe.status === 0 ? undefined : 'curl not installed: apt-get install curl'
}

/**
 * A loopback URL a bootstrap fetches and that answers only when the test opens it: keeps an
 * invocation in flight for exactly as long as the test needs, without sleeping.
 */
export async function gate() {
  const waiting: Array<() => void> = []
  let arrived = 0
  const server = createServer((_req, res) => {
    arrived++
    waiting.push(() => res.end('go'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrived: () => arrived,
    open() {
      for (const go of waiting.splice(0)) go()
    },
  }
}
