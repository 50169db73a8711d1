import { InvalidConfigError, intInRange } from '../../util/invalid-config.ts'

/**
 * Lambda's SQS event source mapping parameters, with AWS's ranges and defaults.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html
 */
export const SQS_MAPPING_LIMITS = {
  batchSize: { min: 1, max: 10_000, default: 10 },
  /** BatchSize's maximum on a FIFO queue, which takes no batching window either. */
  fifoBatchSize: 10,
  /** A batch larger than this needs a batching window of at least 1 s. */
  batchSizeWithoutWindow: 10,
  maximumBatchingWindowInSeconds: { min: 0, max: 300, default: 0 },
  /** ScalingConfig.MaximumConcurrency. */
  maximumConcurrency: { min: 2, max: 1_000 },
  /** Lambda's synchronous invocation payload limit: a batch stops growing before it. */
  payloadBytes: 6 * 1024 * 1024,
} as const

/**
 * Pollers when ScalingConfig.MaximumConcurrency is not set. Lambda starts with five concurrent
 * batches and scales up with the backlog; here the function's reserved concurrency bounds it.
 */
export const DEFAULT_POLLERS = 5

/** An SQS event source mapping as declared (field names as the pipeline definition spells them). */
export interface SqsMappingConfig {
  function: string
  queue: string
  /** 1–10,000 (default 10); above 10 needs maximumBatchingWindowInSeconds ≥ 1. */
  batchSize?: number
  /** 0–300 s (default 0): how long to keep gathering messages after the first one arrives. */
  maximumBatchingWindowInSeconds?: number
  functionResponseTypes?: readonly 'ReportBatchItemFailures'[]
  /** Lambda event filter patterns; messages no filter matches are deleted without an invocation. */
  filterCriteria?: { filters: readonly { pattern: string }[] }
  /** ScalingConfig.MaximumConcurrency: 2–1,000 concurrent batches. */
  maximumConcurrency?: number
  enabled?: boolean
}

export interface ResolvedSqsMappingConfig {
  function: string
  queue: string
  batchSize: number
  maximumBatchingWindowInSeconds: number
  reportBatchItemFailures: boolean
  filterPatterns: string[]
  maximumConcurrency: number | undefined
  enabled: boolean
}

/** Applies Lambda's defaults and checks ranges and AWS's combination rules. */
export function resolveSqsMappingConfig(
  input: SqsMappingConfig,
  path = 'mappings',
): ResolvedSqsMappingConfig {
  const L = SQS_MAPPING_LIMITS
  const batchSize = intInRange(
    `${path}.batchSize`,
    input.batchSize,
    L.batchSize.min,
    L.batchSize.max,
    L.batchSize.default,
  )
  const window = intInRange(
    `${path}.maximumBatchingWindowInSeconds`,
    input.maximumBatchingWindowInSeconds,
    L.maximumBatchingWindowInSeconds.min,
    L.maximumBatchingWindowInSeconds.max,
    L.maximumBatchingWindowInSeconds.default,
  )
  if (batchSize > L.batchSizeWithoutWindow && window < 1) {
    throw new InvalidConfigError(
      `${path}.maximumBatchingWindowInSeconds`,
      `must be at least 1 when batchSize is above ${L.batchSizeWithoutWindow} (as on AWS)`,
    )
  }
  const types = input.functionResponseTypes ?? []
  if (types.some((t) => t !== 'ReportBatchItemFailures')) {
    throw new InvalidConfigError(
      `${path}.functionResponseTypes`,
      "the only response type is 'ReportBatchItemFailures'",
    )
  }
  const concurrency =
    input.maximumConcurrency === undefined
      ? undefined
      : intInRange(
          `${path}.maximumConcurrency`,
          input.maximumConcurrency,
          L.maximumConcurrency.min,
          L.maximumConcurrency.max,
          L.maximumConcurrency.min,
        )
  return {
    function: input.function,
    queue: input.queue,
    batchSize,
    maximumBatchingWindowInSeconds: window,
    reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
    filterPatterns: (input.filterCriteria?.filters ?? []).map((f) => f.pattern),
    maximumConcurrency: concurrency,
    enabled: input.enabled ?? true,
  }
}
