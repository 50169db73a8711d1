// A measured window: CPU of the server, the driver and the machine between two instants.
import { machineCpuMs, processCpuMs } from './proc.ts'
import { monoUs } from './stats.ts'

export interface Snapshot {
  /** performance.now() of the snapshot, in ms. */
  t: number
  /** Monotonic µs, to cut the matching slice out of a server .cpuprofile. */
  mono: number
  serverCpuMs: number
  driverCpuMs: number
  machineBusyMs: number
}

export function snapshot(serverPid: number): Snapshot {
  const usage = process.cpuUsage()
  return {
    t: performance.now(),
    mono: monoUs(),
    serverCpuMs: processCpuMs(serverPid),
    driverCpuMs: (usage.user + usage.system) / 1000,
    machineBusyMs: machineCpuMs().busy,
  }
}

export interface WindowCpu {
  seconds: number
  serverCpuMs: number
  /** Cores used, on average, over the window. */
  serverCores: number
  driverCores: number
  /** Everything else on the machine (other processes, the kernel). */
  otherCores: number
  monoFrom: number
  monoTo: number
}

export function windowCpu(a: Snapshot, b: Snapshot): WindowCpu {
  const seconds = (b.t - a.t) / 1000
  const server = b.serverCpuMs - a.serverCpuMs
  const driver = b.driverCpuMs - a.driverCpuMs
  const machine = b.machineBusyMs - a.machineBusyMs
  return {
    seconds,
    serverCpuMs: server,
    serverCores: server / 1000 / seconds,
    driverCores: driver / 1000 / seconds,
    otherCores: Math.max(0, machine - server - driver) / 1000 / seconds,
    monoFrom: a.mono,
    monoTo: b.mono,
  }
}
