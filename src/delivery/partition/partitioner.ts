import { checkPartitionValue } from './partition-value.ts'
import { type CompiledPrefix, MAX_EVALUATED_PREFIX_LENGTH, PrefixRenderError } from './prefix.ts'

/**
 * Groups a batch's records into partitions (one buffer / one object per evaluated prefix) and
 * sends the records Firehose could not partition to the error prefix.
 *
 * https://docs.aws.amazon.com/firehose/latest/dev/buffering.html (also the "Data buffering and
 * dynamic partitioning" section of dynamic-partitioning.md): "A new partition is created when an S3
 * prefix is evaluated to a new value"; "Once the number of active partitions reaches the limit of
 * 500 per delivery stream, the rest of the records in the delivery stream are delivered to the
 * specified S3 error bucket prefix (activePartitionExceeded)". The error code on the record is
 * `DynamicPartitioning.ActivePartitionsLimitExceeded` and the error output type is
 * `partitioning-failed` (observed on AWS: aws-cdk's dynamic-partitioning integration test expects
 * objects under `error-output/partitioning-failed/`).
 */

/** Default active-partition quota per delivery stream (raisable to 5,000 on AWS). */
export const MAX_ACTIVE_PARTITIONS = 500
export const PARTITIONING_FAILED = 'partitioning-failed'

export const PARTITIONING_ERROR_CODES = {
  activePartitionsExceeded: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
  metadataExtractionFailed: 'DynamicPartitioning.MetadataExtractionFailed',
  /** Tributary-specific: a key value that would act as a path (see partition-value.ts). */
  invalidPartitionKeyValue: 'DynamicPartitioning.InvalidPartitionKeyValue',
  /** The prefix could not be evaluated (missing key) or exceeds 512 characters. */
  prefixEvaluationFailed: 'DynamicPartitioning.PrefixEvaluationFailed',
} as const

export interface PartitionInput {
  /** Time used by `timestamp` expressions for this record (pass the batch's oldest for non-DP streams). */
  arrivalMs: number
  /** Query and Lambda partition keys (absent without dynamic partitioning). */
  keys?: Readonly<Record<string, string>>
  /** Set when an earlier step (extraction, transformation) already failed the record. */
  failure?: { errorCode: string; errorMessage: string; outputType?: string }
}

export interface PartitionError {
  index: number
  errorCode: string
  errorMessage: string
  outputType: string
}

export interface PartitionResult {
  /** Evaluated prefix → indexes of the batch's records, in input order. */
  partitions: Map<string, number[]>
  errors: PartitionError[]
}

export interface PartitionOptions {
  prefix: CompiledPrefix
  /** Partitions already open in the delivery buffer; they do not count as new. */
  activePartitions?: ReadonlySet<string>
  maxActivePartitions?: number
  /** Rendered for `!{firehose:random-string}` (deterministic: derived from the file's identity). */
  randomString: string
}

/**
 * @example
 * const { partitions, errors } = partitionBatch(inputs, { prefix, randomString: 'a1b2c3d4e5f' })
 */
export function partitionBatch(
  inputs: readonly PartitionInput[],
  options: PartitionOptions,
): PartitionResult {
  const active = options.activePartitions ?? new Set<string>()
  const limit = options.maxActivePartitions ?? MAX_ACTIVE_PARTITIONS
  let open = active.size
  const partitions = new Map<string, number[]>()
  const errors: PartitionError[] = []
  const reject = (index: number, errorCode: string, errorMessage: string, outputType = PARTITIONING_FAILED) =>
    void errors.push({ index, errorCode, errorMessage, outputType })

  for (const [index, input] of inputs.entries()) {
    const rendered: Rendered = input.failure ? { ok: false, ...input.failure } : render(input, options)
    if (!rendered.ok) {
      reject(index, rendered.errorCode, rendered.errorMessage, rendered.outputType)
      continue
    }
    const members = partitions.get(rendered.prefix)
    if (members) {
      members.push(index)
      continue
    }
    if (!active.has(rendered.prefix)) {
      if (open >= limit) {
        reject(
          index,
          PARTITIONING_ERROR_CODES.activePartitionsExceeded,
          `The number of active partitions exceeds the limit of ${limit} for this delivery stream.`,
        )
        continue
      }
      open++
    }
    partitions.set(rendered.prefix, [index])
  }
  return { partitions, errors }
}

type Rendered =
  | { ok: true; prefix: string }
  | { ok: false; errorCode: string; errorMessage: string; outputType?: string }

function render(input: PartitionInput, options: PartitionOptions): Rendered {
  for (const [key, value] of Object.entries(input.keys ?? {})) {
    const check = checkPartitionValue(value)
    if (!check.ok) {
      return {
        ok: false,
        errorCode: PARTITIONING_ERROR_CODES.invalidPartitionKeyValue,
        errorMessage: `${check.message} (key "${key}", reason ${check.reason})`,
      }
    }
  }
  let prefix: string
  try {
    prefix = options.prefix.render({
      arrivalMs: input.arrivalMs,
      keys: input.keys,
      randomString: options.randomString,
    })
  } catch (error) {
    if (!(error instanceof PrefixRenderError)) throw error
    return {
      ok: false,
      errorCode: PARTITIONING_ERROR_CODES.prefixEvaluationFailed,
      errorMessage: error.message,
    }
  }
  if (prefix.length > MAX_EVALUATED_PREFIX_LENGTH) {
    return {
      ok: false,
      errorCode: PARTITIONING_ERROR_CODES.prefixEvaluationFailed,
      errorMessage: `The evaluated prefix is ${prefix.length} characters; the limit is ${MAX_EVALUATED_PREFIX_LENGTH}.`,
    }
  }
  return { ok: true, prefix }
}
