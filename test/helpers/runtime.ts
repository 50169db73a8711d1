import { onTestFinished } from 'vitest'
import type { FunctionLog } from '../../src/functions/types.ts'
import type { MetricDatum } from '../../src/monitor/metrics.ts'
import { loadPipeline } from '../../src/pipeline/load.ts'
import { PipelineRuntime } from '../../src/runtime/pipeline-runtime.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from './tmp.ts'

/**
 * A pipeline from a definition file running on a manual clock with real worker threads. `until`
 * waits for the pipeline to do things (each metric it publishes is a step), advancing the clock a
 * little per step so retries and windows move on; nothing sleeps.
 */
export async function startPipeline(file: string, options: { dataDir?: string; clock?: ManualClock } = {}) {
  const dataDir = options.dataDir ?? (await tempDir())
  const clock = options.clock ?? new ManualClock(Date.now())
  const logs: FunctionLog[] = []
  const runtime = await PipelineRuntime.start({
    pipeline: await loadPipeline(file),
    dataDir,
    clock,
    createStreamMs: 0,
    onLog: (log) => logs.push(log),
  })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await runtime.close()
  }
  onTestFinished(close)
  let waiters: (() => void)[] = []
  runtime.metrics.subscribe(() => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  })
  const nextEvent = () => new Promise<void>((resolve) => waiters.push(resolve))
  return {
    runtime,
    clock,
    dataDir,
    logs,
    close,
    /** Waits (moving the clock) until every stream of the pipeline is ACTIVE. */
    async active() {
      const names = Object.keys(runtime.pipeline.streams)
      await this.until(() =>
        names.every((n) =>
          runtime.engine.streams().some((s) => s.state.name === n && s.state.status === 'ACTIVE'),
        ),
      )
    },
    metric(name: string, dims: Record<string, string>, namespace = 'AWS/Lambda') {
      return runtime.metrics.get(namespace, name, dims)
    },
    /**
     * Waits until `done()`. While the pipeline is busy (publishing metrics, running a handler) it
     * is left alone; when it goes quiet the clock jumps to the next pending timer (a retry, a
     * window, a schedule), or by `stepMs` if none is pending.
     */
    async until(done: () => boolean | Promise<boolean>, stepMs = 1000) {
      while (!(await done())) {
        let happened = false
        const event = nextEvent().then(() => {
          happened = true
        })
        for (let turn = 0; turn < 200 && !happened; turn++) await new Promise((r) => setImmediate(r))
        void event
        if (happened) continue
        // A handler is still running (a cold worker loading its module, say): its work is on
        // real time, so the clock waits for it rather than racing ahead to the next timer (a
        // schedule firing again, a retry) while it starts.
        if (runtime.pool.invocationsInFlight > 0) continue
        const next = clock.nextTimerAt()
        clock.set(next !== undefined && next - clock.now() <= stepMs * 60 ? next : clock.now() + stepMs)
        await runtime.engine.whenSettled()
      }
    },
  }
}

export type { MetricDatum }
