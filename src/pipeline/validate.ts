import type { z } from 'zod'
import type { FunctionSpec } from '../contracts/functions.ts'
import { faultTarget } from '../faults/fault.ts'
import { functionSpec } from '../functions/handler-file.ts'
import { issueParams } from '../kind/config-issue.ts'
import { type AnyKind, ConfigProblem, type Reference } from '../kind/kind.ts'
import { KINDS } from './kinds.ts'
import { type Declared, declaredResources, resourcesOf } from './resources.ts'
import { definitionSchema, type Pipeline, pipelineSchema } from './schema.ts'

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

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const plain = issueParams(issue)
  if (plain) throw new PipelineError(`${pathText(issue.path) || '(pipeline)'}: ${issue.message}`, plain.hint)
  throw new PipelineError(describe(issue, input, []))
}

/** The names declared per kind (`queue` → its section's names). */
function namesByKind(
  pipeline: Pipeline,
  kinds: readonly AnyKind[],
): Map<string, { section: string; names: Set<string> }> {
  const names = new Map<string, { section: string; names: Set<string> }>()
  for (const kind of kinds)
    if (kind.layout === 'named')
      names.set(kind.kind, {
        section: kind.section,
        names: new Set(resourcesOf(pipeline, kind, kinds).map((r) => r.name)),
      })
  return names
}

function checkReference(
  declared: Declared,
  ref: Reference,
  names: Map<string, { section: string; names: Set<string> }>,
): void {
  const at = pathText([...declared.at, ...ref.path])
  const target = names.get(ref.kind)
  if (!target) throw new Error(`${declared.kind.kind} refers to '${ref.kind}', which is no kind`)
  if (ref.notSelf && ref.kind === declared.kind.kind && ref.name === declared.name)
    throw new PipelineError(`${at}: ${ref.notSelf}`)
  if (!target.names.has(ref.name)) {
    const known = [...target.names]
    throw new PipelineError(
      `${at}: no ${ref.kind} named '${ref.name}'`,
      known.length ? `declared ${target.section}: ${known.join(', ')}` : `declare it under ${target.section}`,
    )
  }
}

/** A declared fault hits a resource the definition declares (`tributary fault add` reaches any at run time). */
function checkFaultTargets(
  pipeline: Pipeline,
  names: Map<string, { section: string; names: Set<string> }>,
): void {
  pipeline.faults?.forEach((fault, i) => {
    const { target, name } = faultTarget(fault)
    const declared = names.get(target)
    if (!declared || declared.names.has(name)) return
    const known = [...declared.names]
    throw new PipelineError(
      `faults[${i}].${target}: no ${target} named '${name}'`,
      known.length
        ? `declared ${declared.section}: ${known.join(', ')} (one created at run time takes \`tributary fault add\`)`
        : `declare it under ${declared.section}`,
    )
  })
}

/**
 * Checks a definition completely before anything starts: shapes and AWS ranges (each kind's zod
 * schema, its rules across fields included), then that every name a resource refers to is declared
 * (each kind's `references`), then each kind's own checks (handler files next to the pipeline).
 * Throws the first problem as a {@link PipelineError}.
 */
export function validatePipeline(
  input: unknown,
  dir: string,
  kinds: readonly AnyKind[] = KINDS,
): ValidatedPipeline {
  // Another list of kinds than the one the Pipeline type is derived from: a test's own kind.
  const pipeline =
    kinds === KINDS ? parse(pipelineSchema, input) : (parse(definitionSchema(kinds), input) as Pipeline)
  const resources = declaredResources(pipeline, kinds)
  const names = namesByKind(pipeline, kinds)
  for (const resource of resources)
    for (const ref of resource.kind.references?.(resource.config) ?? []) checkReference(resource, ref, names)
  checkFaultTargets(pipeline, names)
  for (const resource of resources) {
    try {
      resource.kind.check?.(resource.name, resource.config, { dir })
    } catch (error) {
      if (!(error instanceof ConfigProblem)) throw error
      throw new PipelineError(`${pathText([...resource.at, ...error.path])}: ${error.message}`, error.hint)
    }
  }
  const functions = Object.entries(pipeline.functions).map(
    ([name, f]): FunctionSpec => functionSpec(name, f, dir),
  )
  return { pipeline, functions }
}
