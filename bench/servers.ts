// Spawns the servers under test as child processes of the bench, each on its own loopback port,
// and stops them by PID.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { processCpuMs, statusKiB } from './proc.ts'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 15_000

export type ServerKind = 'kinesalite' | 'tributary'

export interface ServerOptions {
  /** Directory for a V8 .cpuprofile of the Tributary server (written when it exits). */
  cpuProfDir?: string
  /** Root of the Tributary checkout to run (default: this one). */
  tributaryRoot?: string
  /** Use this data dir and keep it when the server stops (default: a fresh temp dir, deleted). */
  dataDir?: string
  /**
   * Keep AWS's per-shard throughput limits on (default: off). The groups measure the engine and
   * push far above a shard's 1,000 records/s, so they lift them; a group about producers under
   * AWS's limits keeps them.
   */
  shardLimits?: boolean
}

export interface RunningServer {
  kind: ServerKind
  pid: number
  endpoint: string
  /** What the server printed about its sync mode and shard limits (for the report's header). */
  syncNote: string
  cpuMs(): number
  peakRssKiB(): number | undefined
  /** Stops the server (SIGTERM, then SIGKILL) and deletes its data dir; returns its peak RSS. */
  stop(): Promise<number | undefined>
}

const shardLimitsFlag = new Map<string, boolean>()

/**
 * Whether the Tributary at `root` has `--shard-limits` (a checkout from before it enforced no
 * limits at all, and refuses the option): asked once per root, from `serve --help`.
 */
export function hasShardLimitsFlag(root: string): boolean {
  let known = shardLimitsFlag.get(root)
  if (known === undefined) {
    const help = spawnSync(process.execPath, [join(root, 'bin/tributary.js'), 'serve', '--help'], {
      cwd: root,
      encoding: 'utf8',
    })
    known = help.stdout.includes('--shard-limits')
    shardLimitsFlag.set(root, known)
  }
  return known
}

/** `--shard-limits on|off` for a Tributary at `root`, or nothing when it has no such option. */
export function shardLimitsArgs(root: string, on = false): string[] {
  return hasShardLimitsFlag(root) ? ['--shard-limits', on ? 'on' : 'off'] : []
}

export const live = new Set<ChildProcess>()
const dataDirs = new Set<string>()
// If the bench dies or is interrupted, take its servers and their data with it.
process.on('exit', () => {
  for (const child of live) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL')
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

/** A fresh directory under `parent`, deleted by removeDir or when the bench exits. */
export function scratchDir(parent: string, prefix: string): string {
  mkdirSync(parent, { recursive: true })
  const dir = mkdtempSync(join(parent, prefix))
  dataDirs.add(dir)
  return dir
}

/** Deletes a directory this module created (never a data dir passed in by the caller). */
export function removeDir(dir: string | undefined): void {
  if (!dir || !dataDirs.has(dir)) return
  rmSync(dir, { recursive: true, force: true })
  dataDirs.delete(dir)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}

export function waitForLine(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(
      () => fail(new Error(`no "${marker}" within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    )
    const fail = (e: Error) => {
      clearTimeout(timer)
      reject(new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`))
    }
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes(marker)) {
        clearTimeout(timer)
        // Let a multi-line banner arrive before returning it.
        setTimeout(() => resolve(out), 50)
      }
    })
    child.once('exit', (code) => fail(new Error(`server exited early with code ${code}`)))
  })
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      live.delete(child)
      resolve()
    })
    if (child.pid) process.kill(child.pid, 'SIGTERM')
  })
}

/**
 * Runs `start`, retrying a failed start twice: the checkout may be mid-edit when the bench runs,
 * and a second later the sources load again.
 */
export async function withRetries<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (e) {
      if (attempt >= 3) throw e
      console.error(`${what} did not start (attempt ${attempt}), retrying: ${String(e).split('\n', 1)[0]}`)
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

export function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<RunningServer> {
  return withRetries(kind, () => startOnce(kind, options))
}

async function startOnce(kind: ServerKind, options: ServerOptions): Promise<RunningServer> {
  const port = await freePort()
  let dataDir: string | undefined
  /** Only a data dir this call made is deleted on stop; a caller's is left for the caller. */
  let ownDir: string | undefined
  let args: string[]
  let marker: string
  if (kind === 'kinesalite') {
    // As in perf-baselines: in-memory kinesalite with a large heap so it never runs out.
    args = ['--max-old-space-size=8192', join(ROOT, 'bench/kinesalite-server.cjs'), String(port)]
    marker = 'kinesalite listening'
  } else {
    dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-bench-'))
    if (!options.dataDir) {
      ownDir = dataDir
      dataDirs.add(dataDir)
    }
    const prof = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []
    // The default --sync (always) is kept on purpose: the durable mode is what is measured.
    const root = options.tributaryRoot ?? ROOT
    args = [
      ...prof,
      join(options.tributaryRoot ?? ROOT, 'bin/tributary.js'),
      'serve',
      ...['--port', String(port), '--data-dir', dataDir],
      ...['--create-stream-ms', '0', '--update-stream-ms', '0', '--delete-stream-ms', '0'],
      ...['--shard-limit', '1000'],
      ...shardLimitsArgs(root, options.shardLimits),
    ]
    marker = 'Tributary is serving'
  }
  const cwd = kind === 'tributary' ? (options.tributaryRoot ?? ROOT) : ROOT
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let banner: string
  try {
    banner = await waitForLine(child, marker)
  } catch (e) {
    await stopChild(child)
    removeDir(ownDir)
    throw e
  }
  const pid = child.pid!
  const sync = /sync: ([^)\n]*)/.exec(banner)?.[1]
  const limits = /shard limits: (on|off)/.exec(banner)?.[1]
  const syncNote = sync
    ? `sync: ${sync}, shard limits ${limits ?? 'not enforced by this version'}`
    : kind === 'kinesalite'
      ? 'in memory, no fsync'
      : 'sync mode not printed'
  let peak: number | undefined
  return {
    kind,
    pid,
    endpoint: `http://127.0.0.1:${port}`,
    syncNote,
    cpuMs: () => processCpuMs(pid),
    peakRssKiB: () => statusKiB(pid, 'VmHWM'),
    async stop() {
      peak = statusKiB(pid, 'VmHWM') ?? peak
      await stopChild(child)
      removeDir(ownDir)
      return peak
    },
  }
}
