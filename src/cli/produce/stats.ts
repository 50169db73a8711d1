import type { ProducerMetrics, UserRecordResult } from '../../producer/index.ts'

const RESERVOIR = 100_000
const WINDOW_MS = 10_000

/** What `tributary produce --json` prints. */
export interface ProduceSummary {
  stream: string
  endpoint: string
  source: string
  seed?: number
  /** When the first record was due (ISO 8601): the origin of `windows`. */
  startedAt: string
  /** Records handed to the producer. */
  records: number
  /**
   * Records that fell due within --duration (at --rate) but were not handed over: the stream took
   * fewer (back-pressure) and the run stopped on time instead. 0 when it kept up.
   */
  notHanded: number
  /** Records put (acknowledged by the stream). */
  sent: number
  failed: number
  /** Failed records by their last error code. */
  failures: Record<string, number>
  /** Per-record throttles answered by the stream (each retried unless the record expired). */
  throttled: number
  retries: number
  /** Bytes of data put (the producer's `UserRecordsDataPut`). */
  bytes: number
  /** Seconds from the first record to the last one handed over. */
  durationSeconds: number
  /** `sent` per second of `durationSeconds`. */
  rate: number
  /** Time from the producer accepting a record to its result (buffering + PutRecords + retries), ms. */
  latencyMs: { p50: number; p99: number; max: number }
  /** Records handed over in each 10-second window from the start (the last may be partial). */
  windows: number[]
  kinesisRecords: number
  putRecordsCalls: number
  /** CPU time of this process (user + system) over the run, s: `cpuSeconds / durationSeconds` cores. */
  cpuSeconds: number
}

/** Tallies results and samples latencies (a bounded reservoir: memory stays flat on long runs). */
export class ProduceStats {
  records = 0
  sent = 0
  failed = 0
  notHanded = 0
  readonly failures = new Map<string, number>()
  readonly windows: number[] = []
  #samples = new Float64Array(RESERVOIR)
  #seen = 0
  #max = 0
  #state = 0x9e3779b9

  constructor(readonly startedAt: number) {}

  handed(at: number): void {
    this.records++
    const w = Math.floor((at - this.startedAt) / WINDOW_MS)
    while (this.windows.length <= w) this.windows.push(0)
    this.windows[w]!++
  }

  /** Counts a result; its latency is its attempts' delays and durations (from `put` to the result). */
  settled(result: UserRecordResult): void {
    let latencyMs = 0
    for (const attempt of result.attempts) latencyMs += attempt.delay + attempt.duration
    if (result.successful) this.sent++
    else {
      this.failed++
      this.failures.set(result.errorCode, (this.failures.get(result.errorCode) ?? 0) + 1)
    }
    this.#sample(latencyMs)
  }

  #sample(ms: number): void {
    if (ms > this.#max) this.#max = ms
    if (this.#seen < RESERVOIR) this.#samples[this.#seen] = ms
    else {
      // Reservoir sampling (xorshift: no Math.random, so runs with a seed stay reproducible).
      this.#state ^= this.#state << 13
      this.#state ^= this.#state >>> 17
      this.#state ^= this.#state << 5
      const j = (this.#state >>> 0) % (this.#seen + 1)
      if (j < RESERVOIR) this.#samples[j] = ms
    }
    this.#seen++
  }

  percentile(p: number): number {
    const n = Math.min(this.#seen, RESERVOIR)
    if (n === 0) return 0
    const sorted = this.#samples.slice(0, n).sort()
    return sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!
  }

  summary(
    base: Pick<ProduceSummary, 'stream' | 'endpoint' | 'source' | 'seed' | 'startedAt'>,
    durationMs: number,
    metrics: ProducerMetrics,
    cpuMicros: number,
  ): ProduceSummary {
    const seconds = durationMs / 1000
    const round = (x: number) => Math.round(x * 100) / 100
    return {
      ...base,
      records: this.records,
      notHanded: this.notHanded,
      sent: this.sent,
      failed: this.failed,
      failures: Object.fromEntries(this.failures),
      throttled: metrics.ErrorsByCode.ProvisionedThroughputExceededException ?? 0,
      retries: metrics.RetriesPerRecord.sum,
      bytes: metrics.UserRecordsDataPut,
      durationSeconds: round(seconds),
      rate: seconds > 0 ? round(this.sent / seconds) : 0,
      latencyMs: { p50: round(this.percentile(50)), p99: round(this.percentile(99)), max: round(this.#max) },
      windows: [...this.windows],
      kinesisRecords: metrics.KinesisRecordsPut,
      putRecordsCalls: metrics.KinesisRecordsPerPutRecordsRequest.count,
      cpuSeconds: round(cpuMicros / 1e6),
    }
  }
}

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 })

/** The human-readable summary. */
export function formatSummary(s: ProduceSummary): string {
  const failures = Object.entries(s.failures)
    .map(([code, count]) => `${code} ×${n(count)}`)
    .join(', ')
  return [
    `produced to '${s.stream}' on ${s.endpoint} (${s.source}${s.seed === undefined ? '' : `, seed ${s.seed}`})`,
    `  sent       ${n(s.sent)} of ${n(s.records)} records (${n(s.bytes / 1e6)} MB) in ${n(s.durationSeconds)} s: ${n(s.rate)} records/s`,
    `  failed     ${n(s.failed)}${failures ? ` (${failures})` : ''}`,
    ...(s.notHanded > 0
      ? [
          `  behind     ${n(s.notHanded)} records due within --duration were not handed over: the stream took fewer than --rate (throttled: add shards, or lower --rate)`,
        ]
      : []),
    `  throttled  ${n(s.throttled)}`,
    `  retries    ${n(s.retries)}`,
    `  put latency  p50 ${n(s.latencyMs.p50)} ms  p99 ${n(s.latencyMs.p99)} ms  max ${n(s.latencyMs.max)} ms`,
    `  ${n(s.kinesisRecords)} Kinesis records in ${n(s.putRecordsCalls)} PutRecords calls; producer CPU ${n(s.cpuSeconds)} s`,
  ].join('\n')
}
