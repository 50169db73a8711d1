import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url))
const BANNER = /Tributary is serving the Kinesis Data Streams API on (http:\/\/\S+)/

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildServer {
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves with the URL once the "serving" banner is on stdout; rejects if the child exits first. */
  readonly ready: Promise<string>
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<Exit>
  /** True once the banner has been seen. */
  readonly serving: boolean
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>
}

/** A TCP port that was free a moment ago (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port from listen(0)')
  return address.port
}

/**
 * Runs `tributary serve <args>` as a child process (so it can be killed with SIGKILL). The child
 * is killed after the current test if it is still running.
 */
export function spawnServer(args: string[]): ChildServer {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  if (child.pid === undefined) throw new Error('could not spawn tributary')
  let out = ''
  let serving = false
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8')
    child.stderr!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      out += chunk
      const m = BANNER.exec(out)
      if (m && !serving) {
        serving = true
        resolve(m[1]!)
      }
    })
    child.stderr!.on('data', (chunk: string) => {
      out += chunk
    })
    void exited.then((e) => {
      if (!serving) reject(new Error(`tributary exited (${e.signal ?? e.code}) before serving:\n${out}`))
    })
  })
  // Callers that never await `ready` (a kill during startup) must not see an unhandled rejection.
  ready.catch(() => undefined)
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  onTestFinished(async () => {
    await kill('SIGKILL')
  })
  return {
    child,
    pid: child.pid,
    ready,
    exited,
    get serving() {
      return serving
    },
    output: () => out,
    kill,
  }
}
