// Summarises a V8 .cpuprofile of the Tributary server: self time per function inside a window
// of monotonic time (V8 stamps samples with the same clock as process.hrtime).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sourceLine } from './source-lines.ts'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileRow {
  name: string
  where: string
  selfMs: number
  /** Share of the busy (non-idle) time in the window. */
  share: number
}

export interface ProfileSummary {
  label: string
  windowMs: number
  busyMs: number
  top: ProfileRow[]
  byArea: ProfileRow[]
}

/**
 * The newest main-thread .cpuprofile in dir, written when the server exits. Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 1 is tsx's module-loader thread.
 */
export function loadProfile(dir: string): CpuProfile {
  const files = profileFiles(dir).filter((f) => f.thread === 0)
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`)
  return JSON.parse(readFileSync(files[0].path, 'utf8')) as CpuProfile
}

/**
 * The other threads' profiles of the process that wrote the newest main-thread profile: function
 * worker threads (node passes --cpu-prof on to them) and the module-loader threads.
 */
export function loadThreadProfiles(dir: string): CpuProfile[] {
  const files = profileFiles(dir)
  const pid = files.find((f) => f.thread === 0)?.pid
  return files
    .filter((f) => f.pid === pid && f.thread !== 0)
    .map((f) => JSON.parse(readFileSync(f.path, 'utf8')) as CpuProfile)
}

function profileFiles(dir: string): { path: string; pid: string; thread: number; mtime: number }[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const m = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(f)
      if (!m) return []
      const path = join(dir, f)
      return [{ path, pid: m[1]!, thread: Number(m[2]), mtime: statSync(path).mtimeMs }]
    })
    .sort((a, b) => b.mtime - a.mtime)
}

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\/.*?\/(src|bench|bin|node_modules)\//, '$1/')
  if (!url) return ''
  const line = sourceLine(frame.url, frame.lineNumber, frame.columnNumber) ?? frame.lineNumber + 1
  return `${url}:${line}`
}

function area(frame: CallFrame): string {
  const { functionName: fn, url } = frame
  if (fn === '(garbage collector)' || fn === '(program)' || fn === '(idle)') return fn
  if (url.includes('/node_modules/')) return `deps: ${/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`
  if (url.includes('/src/')) return `tributary: ${/\/src\/([^/]+)/.exec(url)?.[1]}/`
  if (url.startsWith('node:')) return 'node internals (JS)'
  if (!url) return 'native / V8 builtins'
  return 'other'
}

function rows(map: Map<string, { name: string; where: string; us: number }>, busyUs: number): ProfileRow[] {
  return [...map.values()]
    .sort((a, b) => b.us - a.us)
    .map((r) => ({ name: r.name, where: r.where, selfMs: r.us / 1000, share: r.us / busyUs }))
}

/**
 * Top functions by self time, and self time grouped by area, for samples in [fromUs, toUs]; given
 * several profiles (threads of one process), their samples add up.
 */
export function summarize(
  profiles: CpuProfile | CpuProfile[],
  label: string,
  fromUs: number,
  toUs: number,
  top = 15,
): ProfileSummary {
  const byFn = new Map<string, { name: string; where: string; us: number }>()
  const byArea = new Map<string, { name: string; where: string; us: number }>()
  let busyUs = 0
  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
    let t = profile.startTime
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0
      if (t < fromUs || t > toUs) continue
      // A sample stands for the time until the next one.
      const us = profile.timeDeltas[i + 1] ?? 0
      const frame = nodes.get(profile.samples[i]!)!.callFrame
      if (frame.functionName === '(idle)') continue
      busyUs += us
      const name = frame.functionName || '(anonymous)'
      const key = `${name}@${frame.url}:${frame.lineNumber}:${frame.columnNumber}`
      const fn = byFn.get(key) ?? { name, where: where(frame), us: 0 }
      fn.us += us
      byFn.set(key, fn)
      const a = area(frame)
      const ar = byArea.get(a) ?? { name: a, where: '', us: 0 }
      ar.us += us
      byArea.set(a, ar)
    }
  }
  return {
    label,
    windowMs: (toUs - fromUs) / 1000,
    busyMs: busyUs / 1000,
    top: rows(byFn, busyUs).slice(0, top),
    byArea: rows(byArea, busyUs),
  }
}
