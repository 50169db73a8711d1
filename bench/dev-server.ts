// Runs `tributary dev <pipeline>` as a child process of the bench (the functions group) and keeps
// what it prints after its banner, so errors in the runtime show up in the report.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { processCpuMs, statusKiB } from './proc.ts'
import { freePort, live, shardLimitsArgs, stopChild, waitForLine, withRetries } from './servers.ts'

const BANNER = 'Tributary is running pipeline'
const MAX_KEPT_LINES = 20

export interface DevOptions {
  root: string
  pipelineFile: string
  dataDir: string
  /** Directory for V8 .cpuprofile files (main thread and every worker thread). */
  cpuProfDir?: string
  /** More `tributary dev` options (e.g. `--no-monitor`). */
  extraArgs?: string[]
  /** Its environment (default: the bench's). */
  env?: NodeJS.ProcessEnv
}

export interface DevServer {
  pid: number
  endpoint: string
  /** From spawn to the banner, ms. */
  startMs: number
  /** Date.now() when the banner arrived (handlers stamp with the same clock). */
  readyAt: number
  cpuMs(): number
  /** Output after the banner: stderr lines, and stdout lines (handler logs, messages). */
  output: { lines: string[]; total: number }
  /** Stops it (SIGTERM, then SIGKILL); returns its peak RSS in KiB. The data dir is left. */
  stop(): Promise<number | undefined>
}

export function startDev(options: DevOptions): Promise<DevServer> {
  return withRetries('tributary dev', () => startOnce(options))
}

async function startOnce({
  root,
  pipelineFile,
  dataDir,
  cpuProfDir,
  extraArgs = [],
  env,
}: DevOptions): Promise<DevServer> {
  const port = await freePort()
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []
  const args = [
    ...prof,
    join(root, 'bin/tributary.js'),
    'dev',
    pipelineFile,
    ...['--data-dir', dataDir, '--port', String(port), '--summary', '0', '--no-watch'],
    // The groups measure the pipeline at rates far above a shard's limits: lifted, as for serve.
    ...shardLimitsArgs(root),
    ...extraArgs,
  ]
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  try {
    await waitForLine(child, BANNER)
  } catch (e) {
    await stopChild(child)
    throw e
  }
  const readyAt = Date.now()
  const startMs = performance.now() - spawnedAt
  const output = { lines: [] as string[], total: 0 }
  const keep = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.trim() || line === 'tributary: stopped cleanly') continue
      output.total++
      if (output.lines.length < MAX_KEPT_LINES) output.lines.push(`${stream}: ${line}`)
    }
  }
  // The banner is one write, and waitForLine has let it arrive in full.
  child.stdout?.on('data', keep('stdout'))
  child.stderr?.on('data', keep('stderr'))
  const pid = child.pid!
  let peak: number | undefined
  return {
    pid,
    endpoint: `http://127.0.0.1:${port}`,
    startMs,
    readyAt,
    cpuMs: () => processCpuMs(pid),
    output,
    async stop() {
      peak = statusKiB(pid, 'VmHWM') ?? peak
      await stopChild(child)
      return peak
    },
  }
}
