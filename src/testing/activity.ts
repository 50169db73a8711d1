import { DeliveryCheckpoints } from '../delivery/streams/checkpoints.ts'
import type { DeliveryStream } from '../delivery/streams/delivery-stream.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { ShardLog } from '../storage/log/shard-log.ts'

/**
 * What the harness watches to tell a busy pipeline from a settled one. This is the one file of
 * `src/testing` that knows how stages work inside (a delivery's checkpoints and buffers): when a
 * stage changes how it follows its source, this is what to update.
 *
 * Two kinds of signal:
 * - events (a metric published, a handler's log line, a stream changed): something
 *   happened, so more may follow — the pipeline is not quiet yet;
 * - work in progress that publishes nothing while it runs: an invocation in a worker, file I/O on
 *   libuv's pool, a delivery buffer being encoded in a worker or written.
 */
export class Activity {
  readonly #runtime: PipelineRuntime
  readonly #checkpoints: DeliveryCheckpoints
  readonly #unsubscribe: (() => void)[]
  #events = 0
  #waiters: (() => void)[] = []

  constructor(runtime: PipelineRuntime) {
    this.#runtime = runtime
    this.#checkpoints = new DeliveryCheckpoints(runtime.engine.state)
    this.#unsubscribe = [
      runtime.metrics.subscribe(() => this.event()),
      runtime.engine.onStreamChange(() => this.event()),
    ]
  }

  /** Counts an event and wakes whoever waits for the next one. */
  event(): void {
    this.#events++
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }

  /** Events so far: a change between two reads means something happened. */
  get events(): number {
    return this.#events
  }

  /** Resolves at the next event. */
  nextEvent(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** Work running now that announces nothing until it ends, each as a short reason; [] if none. */
  async busy(): Promise<string[]> {
    const reasons: string[] = []
    const inFlight = this.#runtime.pool.invocationsInFlight
    if (inFlight > 0) reasons.push(`${inFlight} invocation(s) running`)
    // Before the delivery checks, whose own reads would count.
    if (fileIoPending()) reasons.push('file I/O pending')
    for (const name of this.#runtime.deliveries.names()) {
      const stream = this.#runtime.deliveries.stream(name)
      const reason = stream && (await this.#deliveryBusy(stream))
      if (reason) reasons.push(`delivery stream ${name}: ${reason}`)
    }
    return reasons
  }

  /**
   * A delivery stream has work it will do without the clock moving when a record it has not
   * committed to the lake is older than its buffer interval: that record's buffer is due
   * (BufferCutter: due once `now > first arrival + interval`), so it is being cut, encoded or
   * written. Younger records wait for the clock: settled, as far as time goes.
   */
  async #deliveryBusy(stream: DeliveryStream): Promise<string | undefined> {
    const cutoff = this.#runtime.engine.clock.now() - stream.config.bufferingHints.intervalInSeconds * 1000
    for (const { tag, log } of this.#sources(stream)) {
      const next = this.#checkpoints.position(stream.name, tag)?.nextOrdinal
      if (next === undefined || Math.max(next, log.firstOrdinal) >= log.durableOrdinal) continue
      if (next < (await log.ordinalAtTimestamp(cutoff))) return `${tag}: a due buffer is not in the lake yet`
    }
    return undefined
  }

  #sources(stream: DeliveryStream): { tag: string; log: ShardLog }[] {
    if (stream.directLog) return [{ tag: 'direct', log: stream.directLog }]
    const name = stream.config.stream
    const source =
      name === undefined ? undefined : this.#runtime.engine.streams().find((s) => s.state.name === name)
    return [...(source?.shards.values() ?? [])].flatMap((shard) =>
      shard.log ? [{ tag: shard.id, log: shard.log }] : [],
    )
  }

  close(): void {
    for (const off of this.#unsubscribe) off()
  }
}

/** A file read, write or fsync on libuv's thread pool that has not completed yet. */
function fileIoPending(): boolean {
  return process.getActiveResourcesInfo().some((r) => r === 'FSReqPromise' || r === 'FSReqCallback')
}
