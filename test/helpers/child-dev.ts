import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url))

/** `tributary dev <args>` as a child process, with its output searchable as it arrives. */
export function spawnDev(args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}) {
  return spawnTributary(['dev', ...args], env, options)
}

/** `tributary <args>` (any command) as a child process, with its output searchable as it arrives. */
export function spawnTributary(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    cwd: options.cwd,
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    out += chunk.toString()
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return {
    child,
    exited,
    output: () => out,
    /** Resolves when the output matches `pattern`; rejects if the process exits first. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern)
          if (m) {
            listeners.delete(check)
            resolve(m)
          }
        }
        listeners.add(check)
        void exited.then(() => {
          if (listeners.has(check)) reject(new Error(`exited before ${pattern}:\n${out}`))
        })
        check()
      })
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      child.kill(signal)
      return exited
    },
  }
}
