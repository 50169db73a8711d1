// Reads process and machine CPU/memory from /proc (Linux only), so server cost is measured
// from the server process alone, not from the load driver.
import { readFileSync } from 'node:fs'

/** Clock ticks per second for /proc times; 100 on every mainstream Linux build. */
const CLK_TCK = 100

/** utime + stime of one process, in milliseconds of CPU. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may hold spaces or parentheses; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / CLK_TCK
}

/** A value from /proc/<pid>/status in KiB (e.g. VmHWM, VmRSS), or undefined if absent. */
export function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    // The process has already exited.
    return undefined
  }
}

/** Busy and total CPU time of the whole machine since boot, in milliseconds (all cores). */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const total = values.reduce((a, b) => a + b, 0)
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK }
}
