import type { PipelineRuntime } from '../pipeline/runtime.ts'

interface Busy {
  name: string
  count: number
  timeoutSeconds: number
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** "2 invocations of processor (timeout 60 s) and 1 invocation of notifier (timeout 3 s)" */
function describe(busy: Busy[], timeouts: boolean): string {
  const parts = busy.map(
    (b) =>
      `${plural(b.count, 'invocation')} of ${b.name}${timeouts ? ` (timeout ${b.timeoutSeconds} s)` : ''}`,
  )
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!
}

/** The pool and functions of the running build; undefined in the moment an edit rebuilds them. */
function currentParts(runtime: PipelineRuntime) {
  try {
    return { pool: runtime.pool, functions: runtime.pipeline.functions }
  } catch {
    return undefined
  }
}

/**
 * Ctrl+C (or SIGTERM) under `tributary dev`: stops triggers, lets invocations in flight finish
 * (saying which, and for how long at most), then closes everything. A second Ctrl+C abandons
 * them, saying what it abandoned: their events were never acknowledged (a Kinesis checkpoint,
 * a queue message's delete), so they come again at the next start.
 */
export function handleStopSignals(
  runtime: PipelineRuntime,
  cleanup: () => void,
  write: (text: string) => void,
): void {
  let stopping: (() => Busy[]) | undefined
  const stop = async () => {
    if (stopping) {
      const busy = stopping()
      write(
        busy.length > 0
          ? `tributary: abandoned ${describe(busy, false)}; their events come again at the next start\n`
          : 'tributary: exiting before the shutdown finished\n',
      )
      process.exit(130)
    }
    // Read now: the runtime lets go of its parts while it closes (and while an edit rebuilds them).
    const parts = currentParts(runtime)
    stopping = () =>
      Object.entries(parts?.functions ?? {})
        .map(([name, f]) => ({ name, count: parts!.pool.stats(name).concurrent, timeoutSeconds: f.timeout }))
        .filter((b) => b.count > 0)
    cleanup()
    // Invocations waiting for a handler that does not load never started: nothing to wait for.
    for (const [name, count] of parts?.pool.abandonWaits() ?? [])
      write(
        `tributary: stopping: ${plural(count, 'invocation')} of ${name} did not start (its handler does ` +
          'not load); their events come again at the next start\n',
      )
    const busy = stopping()
    if (busy.length > 0) {
      const them = busy.length === 1 && busy[0]!.count === 1 ? 'it' : 'them'
      write(`tributary: stopping: waiting for ${describe(busy, true)}; Ctrl+C again to abandon ${them}\n`)
    }
    try {
      await runtime.close()
    } catch (error) {
      write(`tributary: error: stopping failed: ${(error as Error).message}\n`)
      process.exit(1)
    }
    write('tributary: stopped cleanly\n')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}
