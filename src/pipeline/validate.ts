import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { z } from 'zod'
import { compileDeliveryPrefixes } from '../delivery/partition/prefix.ts'
import type { FunctionSpec } from '../functions/types.ts'
import {
  isKinesisMapping,
  type KinesisMappingConfig,
  kinesisMappingSchema,
  type Pipeline,
  pipelineSchema,
  type SqsMappingConfig,
  sqsMappingSchema,
} from './schema.ts'

/** A pipeline definition that cannot run: one line naming the field, and a hint. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

export interface ValidatedPipeline {
  pipeline: Pipeline
  functions: FunctionSpec[]
}

/** Extra checks a caller can plug in (e.g. schedule expressions, filter patterns). */
export interface ValidationHooks {
  /** Throws (with a readable message) when a schedule expression is invalid. */
  checkSchedule?: (expression: string) => void
  /** Throws when a Lambda event filter pattern is invalid. */
  checkFilterPattern?: (pattern: string) => void
}

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs']

function pathText(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`
  return out
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined
  return v
}

function shown(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Turns a zod issue into "path: what is wrong (got X)". */
function describe(issue: z.core.$ZodIssue, input: unknown, prefix: readonly PropertyKey[]): string {
  const path = [...prefix, ...issue.path]
  const got = valueAt(input, issue.path)
  const at = pathText(path) || '(pipeline)'
  switch (issue.code) {
    case 'too_big':
      return `${at}: must be at most ${issue.maximum} (got ${shown(got)})`
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `${at}: needs at least ${issue.minimum} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : `${at}: must be at least ${issue.minimum} (got ${shown(got)})`
    case 'invalid_type':
      return got === undefined
        ? `${at}: is required`
        : `${at}: must be ${article(issue.expected)} (got ${shown(got)})`
    case 'unrecognized_keys':
      return `${at}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    case 'invalid_value':
      return `${at}: must be one of ${issue.values.map((v) => shown(v)).join(', ')} (got ${shown(got)})`
    case 'invalid_format':
    case 'custom':
      return `${at}: ${issue.message} (got ${shown(got)})`
    case 'invalid_union':
      // A union that says what it expects (zod's own message is only "Invalid input").
      return issue.message !== 'Invalid input'
        ? `${at}: ${issue.message} (got ${shown(got)})`
        : `${at}: ${shown(got)} is not a valid value here`
    default:
      return `${at}: ${issue.message}`
  }
}

function article(type: string): string {
  return type === 'int' ? 'a whole number' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

function parse<T>(schema: z.ZodType<T>, input: unknown, prefix: readonly PropertyKey[]): T {
  const result = schema.safeParse(input)
  if (!result.success) throw new PipelineError(describe(result.error.issues[0]!, input, prefix))
  return result.data
}

/** Resolves `path/to/file.exportName` against the pipeline file's directory. */
export function resolveHandler(
  dir: string,
  handler: string,
): { file: string; exportName: string } | undefined {
  const dot = handler.lastIndexOf('.')
  const base = handler.slice(0, dot)
  const exportName = handler.slice(dot + 1)
  for (const ext of ['', ...HANDLER_EXTENSIONS]) {
    const file = join(dir, base + ext)
    if (ext !== '' || HANDLER_EXTENSIONS.some((e) => base.endsWith(e))) {
      if (existsSync(file)) return { file, exportName }
    }
  }
  return undefined
}

/**
 * Checks a definition completely before anything starts: shapes and AWS ranges (zod), then that
 * every name refers to a declared resource, that handler files exist, and the plugged-in checks.
 * Throws the first problem as a {@link PipelineError}.
 */
export function validatePipeline(
  input: unknown,
  dir: string,
  hooks: ValidationHooks = {},
): ValidatedPipeline {
  const base = parse(pipelineSchema, input, [])
  const mappings = base.mappings.map((raw, i): KinesisMappingConfig | SqsMappingConfig => {
    if ('stream' in raw) return parse(kinesisMappingSchema, raw, ['mappings', i])
    if ('queue' in raw) return parse(sqsMappingSchema, raw, ['mappings', i])
    throw new PipelineError(`mappings[${i}]: needs a 'stream' (Kinesis) or a 'queue' (SQS) to read from`)
  })
  const pipeline: Pipeline = { ...base, mappings }
  const need = (kind: keyof Pipeline, name: string, at: string) => {
    if (!Object.hasOwn(pipeline[kind] as object, name)) {
      const known = Object.keys(pipeline[kind] as object)
      throw new PipelineError(
        `${at}: no ${kind.replace(/s$/, '')} named '${name}'`,
        known.length ? `declared ${kind}: ${known.join(', ')}` : `declare it under ${kind}`,
      )
    }
  }
  for (const [name, stream] of Object.entries(pipeline.streams)) {
    if (stream.mode === 'PROVISIONED' && stream.shardCount === undefined) {
      throw new PipelineError(
        `streams.${name}.shardCount: is required for a PROVISIONED stream`,
        "or set mode: 'ON_DEMAND'",
      )
    }
  }
  mappings.forEach((m, i) => {
    const at = `mappings[${i}]`
    need('functions', m.function, `${at}.function`)
    if (isKinesisMapping(m)) {
      need('streams', m.stream, `${at}.stream`)
      if ((m.startingPosition === 'AT_TIMESTAMP') !== (m.startingPositionTimestamp !== undefined)) {
        throw new PipelineError(
          `${at}.startingPositionTimestamp: is required with AT_TIMESTAMP, and only then`,
        )
      }
      if (m.tumblingWindowInSeconds > 0 && m.parallelizationFactor > 1) {
        throw new PipelineError(
          `${at}.tumblingWindowInSeconds: tumbling windows need parallelizationFactor 1`,
        )
      }
      const onFailure = m.destinationConfig?.onFailure
      if (onFailure) {
        if ('queue' in onFailure) need('queues', onFailure.queue, `${at}.destinationConfig.onFailure.queue`)
        else need('topics', onFailure.topic, `${at}.destinationConfig.onFailure.topic`)
      }
    } else {
      need('queues', m.queue, `${at}.queue`)
    }
    m.filterCriteria?.filters.forEach((f, j) => {
      try {
        hooks.checkFilterPattern?.(f.pattern)
      } catch (error) {
        throw new PipelineError(`${at}.filterCriteria.filters[${j}].pattern: ${(error as Error).message}`)
      }
    })
  })
  for (const [name, q] of Object.entries(pipeline.queues)) {
    if (q.deadLetterQueue) {
      need('queues', q.deadLetterQueue.queue, `queues.${name}.deadLetterQueue.queue`)
      if (q.deadLetterQueue.queue === name)
        throw new PipelineError(
          `queues.${name}.deadLetterQueue.queue: a queue cannot be its own dead-letter queue`,
        )
    }
  }
  for (const [name, t] of Object.entries(pipeline.topics)) {
    t.subscriptions.forEach((s, i) => {
      const at = `topics.${name}.subscriptions[${i}]`
      if ('queue' in s) need('queues', s.queue, `${at}.queue`)
      else if ('function' in s) need('functions', s.function, `${at}.function`)
    })
  }
  for (const [name, a] of Object.entries(pipeline.alarms)) {
    for (const [state, topics] of Object.entries(a.actions))
      topics.forEach((topic, i) => {
        need('topics', topic, `alarms.${name}.actions.${state}[${i}]`)
      })
  }
  for (const [name, s] of Object.entries(pipeline.schedules)) {
    need('functions', s.function, `schedules.${name}.function`)
    try {
      hooks.checkSchedule?.(s.schedule)
    } catch (error) {
      throw new PipelineError(`schedules.${name}.schedule: ${(error as Error).message}`)
    }
  }
  for (const [name, f] of Object.entries(pipeline.functions)) {
    const onFailure = f.asyncInvokeConfig?.destinationConfig?.onFailure
    if (onFailure) {
      const at = `functions.${name}.asyncInvokeConfig.destinationConfig.onFailure`
      if ('queue' in onFailure) need('queues', onFailure.queue, `${at}.queue`)
      else need('topics', onFailure.topic, `${at}.topic`)
    }
    if (f.deadLetterQueue) need('queues', f.deadLetterQueue.queue, `functions.${name}.deadLetterQueue.queue`)
    for (const field of ['reads', 'writes'] as const)
      f[field]?.forEach((ref, i) => {
        const [kind, resource] = Object.entries(ref)[0]!
        need(`${kind}s` as keyof Pipeline, resource, `functions.${name}.${field}[${i}].${kind}`)
      })
  }
  for (const [name, b] of Object.entries(pipeline.buckets)) {
    b.notifications.forEach((n, i) => {
      need('functions', n.function, `buckets.${name}.notifications[${i}].function`)
    })
  }
  for (const [name, t] of Object.entries(pipeline.catalog)) {
    need('buckets', t.bucket, `catalog.${name}.bucket`)
  }
  for (const [name, d] of Object.entries(pipeline.deliveries)) {
    const at = `deliveries.${name}`
    if (d.stream !== undefined) need('streams', d.stream, `${at}.stream`)
    need('buckets', d.bucket, `${at}.bucket`)
    if (d.processing) need('functions', d.processing.function, `${at}.processing.function`)
    if (d.format) {
      need('catalog', d.format.parquet.table, `${at}.format.parquet.table`)
      if (d.compression !== 'UNCOMPRESSED')
        throw new PipelineError(
          `${at}.compression: must be 'UNCOMPRESSED' with Parquet output (got '${d.compression}')`,
          'Parquet files are compressed inside (Snappy); Firehose rejects both together',
        )
    }
    try {
      compileDeliveryPrefixes(d)
    } catch (error) {
      throw new PipelineError(
        `${at}.prefix: ${(error as Error).message}`,
        'see docs/delivery.md for prefix expressions',
      )
    }
  }
  const functions = Object.entries(pipeline.functions).map(([name, f]): FunctionSpec => {
    const resolved = resolveHandler(dir, f.handler)
    if (!resolved) {
      const base = f.handler.slice(0, f.handler.lastIndexOf('.'))
      throw new PipelineError(
        `functions.${name}.handler: no file ${base}{${HANDLER_EXTENSIONS.join(',')}} in ${relative(process.cwd(), dir) || '.'}`,
        "handler is 'path/to/file.exportName', relative to the pipeline file",
      )
    }
    return {
      name,
      file: resolved.file,
      exportName: resolved.exportName,
      timeoutMs: f.timeout * 1000,
      memoryMb: f.memorySize,
      reservedConcurrency: f.reservedConcurrency,
      environment: f.environment,
    }
  })
  return { pipeline, functions }
}
