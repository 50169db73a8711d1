import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Stack } from 'aws-cdk-lib'
import type * as nag from 'cdk-nag'
import type { IConstruct } from 'constructs'
import { cdk } from '../kind/cdk-synth.ts'
import { type AnyKind, ConfigProblem } from '../kind/kind.ts'
import type { SynthContext, SynthResource } from '../kind/synth.ts'
import { KINDS } from '../pipeline/kinds.ts'
import type { LoadedPipeline } from '../pipeline/load.ts'
import { buildOrder, resourcesOf } from '../pipeline/resources.ts'
import type { Pipeline } from '../pipeline/schema.ts'
import { pathText, SynthError } from './synth-error.ts'

// Through require, as the synthesis faces take it (src/kind/cdk-synth.ts says why); cdk-nag too.
const { App, CfnOutput, Stack: CdkStack, Validations } = cdk
const { DISABLE_METADATA_STACK_TRACE } = cdk.cx_api
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof nag

export interface SynthOptions {
  /** Where the cloud assembly is written (default: a temporary directory, removed by `dispose`). */
  outDir?: string
  /** The kinds (default: every kind). */
  kinds?: readonly AnyKind[]
  /** Run cdk-nag's AwsSolutions pack (default true): an unacknowledged error fails the synth. */
  nag?: boolean
  /**
   * Run aws-cdk-lib's CloudFormation template validation (default false): the cfn-lint rules,
   * compiled to WebAssembly, about 7 s of CPU for a small stack, more than everything else synth
   * does. An error fails the synth; warnings (a deprecated runtime, ...) join {@link Synthesized.warnings}.
   */
  validate?: boolean
}

export interface Synthesized {
  /** The CloudFormation stack's name: `tributary-<pipeline>`. */
  stackName: string
  /** The synthesized CloudFormation template. */
  template: Record<string, unknown>
  /** The cloud assembly directory (cdk.out). */
  outDir: string
  /** The template file in it. */
  templateFile: string
  /** One line each: settings with no AWS counterpart, defaults AWS needs. */
  warnings: string[]
  /** The app, after synthesis (for Template.fromStack in tests). */
  stack: Stack
  /** cdk-nag's AwsSolutions findings: errors (none, or the synth fails), warnings, and what the kinds acknowledged. */
  nagReport: NagReport
  /** Milliseconds spent constructing and synthesizing. */
  timings: { constructMs: number; synthMs: number }
  /** Removes a temporary assembly directory. */
  dispose(): void
}

export interface NagReport {
  errors: string[]
  warnings: string[]
  /** Rule id (with its finding) and the reason given in the code, per construct. */
  acknowledged: [id: string, reason: string][]
}

/** Pipeline settings that only `tributary dev` uses. */
const LOCAL_SETTINGS: readonly { path: string; why: string; isSet: (p: Pipeline) => boolean }[] = [
  {
    path: 'notifications.smtp',
    why: 'SNS sends e-mail itself',
    isSet: (p) => p.notifications.smtp !== undefined,
  },
  { path: 'server', why: 'the local port only', isSet: (p) => p.server !== undefined },
  { path: 'faults', why: 'injected locally, docs/faults.md', isSet: (p) => p.faults.length > 0 },
]

/** `tributary-<pipeline>`: CloudFormation's stack names are letters, digits and hyphens. */
export function stackNameOf(pipeline: string): string {
  return `tributary-${pipeline.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 128)
}

/**
 * Synthesizes a pipeline to an AWS CDK app with one stack, offline: each kind's synthesis face
 * adds its resources in `dependsOn` order, cdk-nag's AwsSolutions pack checks the result, and the
 * cloud assembly (cdk.out, with the CloudFormation template and the function bundles) is written.
 * A setting AWS would reject throws a {@link SynthError} naming it.
 *
 * @example
 * const out = await synthesize(await loadPipeline('examples/iot-sensors'), { outDir: 'cdk.out' })
 * out.warnings // ["topics.alerts.subscriptions[1].outbox: local-only (no AWS counterpart)", ...]
 */
export async function synthesize(loaded: LoadedPipeline, options: SynthOptions = {}): Promise<Synthesized> {
  const started = performance.now()
  const kinds = options.kinds ?? KINDS
  const pipeline = loaded.pipeline
  const temporary = options.outDir === undefined
  const outDir = temporary ? mkdtempSync(join(tmpdir(), 'tributary-synth-')) : resolve(options.outDir!)
  mkdirSync(outDir, { recursive: true })
  const buildDir = mkdtempSync(join(tmpdir(), 'tributary-bundle-'))
  const dispose = () => {
    rmSync(buildDir, { recursive: true, force: true })
    if (temporary) rmSync(outDir, { recursive: true, force: true })
  }
  try {
    const app = new App({
      outdir: outDir,
      builtinCloudFormationValidation: options.validate === true,
      // A stack trace per construct and annotation is metadata nobody reads here, and costs time.
      context: { [DISABLE_METADATA_STACK_TRACE]: true },
    })
    const stackName = stackNameOf(pipeline.name)
    const stack = new CdkStack(app, stackName, {
      stackName,
      description: `Tributary pipeline '${pipeline.name}' (tributary synth)`,
    })
    const warnings: string[] = []
    for (const s of LOCAL_SETTINGS)
      if (s.isSet(pipeline)) warnings.push(`${s.path}: local-only (${s.why}), not deployed`)
    const ctx = new Context(stack, pipeline, loaded.dir, buildDir, warnings)
    for (const kind of buildOrder(kinds)) await synthKind(ctx, pipeline, kind, kinds)
    ctx.runDeferred()
    if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    const constructed = performance.now()
    let assembly: ReturnType<typeof app.synth>
    try {
      assembly = app.synth()
    } catch (error) {
      const report = readReport(outDir, NAG_PLUGIN)
      if (report.errors.length === 0) throw error
      throw new SynthError(
        `cdk-nag AwsSolutions: ${report.errors.length} unacknowledged error(s): ${report.errors.join(', ')}`,
        `see ${join(outDir, 'validation-report.json')}`,
      )
    }
    const cfn = readReport(outDir, CFN_VALIDATE_PLUGIN)
    if (cfn.errors.length > 0)
      throw new SynthError(
        `CloudFormation validation: ${cfn.errors.length} error(s): ${cfn.errors.join('; ')}`,
        `see ${join(outDir, 'validation-report.json')}`,
      )
    for (const warning of cfn.warnings) warnings.push(`CloudFormation validation ${warning}`)
    const artifact = assembly.getStackByName(stackName)
    return {
      stackName,
      template: artifact.template as Record<string, unknown>,
      outDir,
      templateFile: artifact.templateFullPath,
      warnings,
      stack,
      nagReport: { ...readReport(outDir, NAG_PLUGIN), acknowledged: acknowledgements(stack) },
      timings: { constructMs: constructed - started, synthMs: performance.now() - constructed },
      dispose,
    }
  } catch (error) {
    dispose()
    throw error
  } finally {
    if (!temporary) rmSync(buildDir, { recursive: true, force: true })
  }
}

async function synthKind(ctx: Context, pipeline: Pipeline, kind: AnyKind, kinds: readonly AnyKind[]) {
  const declared = resourcesOf(pipeline, kind, kinds)
  if (declared.length === 0) return
  if (!kind.synth) {
    ctx.warn(`${kind.section}: ${kind.noun[1]} have no AWS counterpart yet: local-only, not deployed`)
    return
  }
  const face = await kind.synth()
  const resources = declared.map((d) => ({
    name: d.name,
    config: d.config,
    ...(typeof d.at[1] === 'number' ? { index: d.at[1] } : {}),
  }))
  for (const d of declared)
    for (const setting of face.localOnly)
      if (setting.isSet(d.config))
        ctx.warn(`${pathText([...d.at, setting.path])}: local-only (${setting.why}), not deployed`)
  try {
    face.synth(ctx, resources)
  } catch (error) {
    if (error instanceof ConfigProblem)
      throw new SynthError(`${pathText([kind.section, ...error.path])}: ${error.message}`, error.hint)
    throw error
  }
}

class Context implements SynthContext {
  readonly #resources = new Map<string, SynthResource<unknown>>()
  readonly #deferred: (() => void)[] = []
  readonly pipeline: string
  readonly definition: Readonly<Record<string, unknown>>

  constructor(
    readonly stack: Stack,
    pipeline: Pipeline,
    readonly dir: string,
    readonly buildDir: string,
    readonly warnings: string[],
  ) {
    this.pipeline = pipeline.name
    this.definition = pipeline as unknown as Record<string, unknown>
  }

  id(kind: string, name: string, suffix?: string): string {
    return suffix === undefined ? `${kind}-${name}` : `${kind}-${name}-${suffix}`
  }

  add<T>(kind: string, name: string, resource: SynthResource<T>): void {
    this.#resources.set(`${kind}\0${name}`, resource)
  }

  get<T>(kind: string, name: string): SynthResource<T> {
    const resource = this.#resources.get(`${kind}\0${name}`)
    if (!resource)
      throw new Error(`synth: ${kind} '${name}' is not synthesized yet (check the kinds' dependsOn)`)
    return resource as SynthResource<T>
  }

  defer(step: () => void): void {
    this.#deferred.push(step)
  }

  runDeferred(): void {
    for (const step of this.#deferred.splice(0)) step()
  }

  acknowledge(construct: IConstruct, id: string, reason: string): void {
    Validations.of(construct).acknowledge({ id, reason })
  }

  output(kind: string, name: string, what: string, value: string): void {
    new CfnOutput(this.stack, this.id(kind, name, what), { value, description: `${kind} ${name}: ${what}` })
  }

  warn(message: string): void {
    this.warnings.push(message)
  }
}

const NAG_PLUGIN = 'AwsSolutions'
const CFN_VALIDATE_PLUGIN = 'CloudFormation Validate'

interface Violation {
  ruleName: string
  description?: string
  severity: string
  violatingConstructs?: { constructPath: string }[]
}

/** One plugin's findings in the validation report the synth wrote (none when it wrote none). */
function readReport(outDir: string, plugin: string): { errors: string[]; warnings: string[] } {
  const file = join(outDir, 'validation-report.json')
  if (!existsSync(file)) return { errors: [], warnings: [] }
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports?: { pluginName: string; violations?: Violation[] }[]
  }
  const violations = (report.pluginReports ?? [])
    .filter((p) => p.pluginName === plugin)
    .flatMap((p) => p.violations ?? [])
  // `W2531 (function-f): Runtime 'nodejs18.x' was deprecated ...`, rule names alone for cdk-nag.
  const line = (v: Violation) =>
    plugin === NAG_PLUGIN
      ? v.ruleName
      : `${v.ruleName} (${[...new Set((v.violatingConstructs ?? []).map((c) => c.constructPath.split('/')[1]))].join(', ')}): ${v.description?.split('\n')[0] ?? ''}`
  return {
    errors: violations.filter((v) => v.severity === 'error').map(line),
    warnings: violations.filter((v) => v.severity !== 'error').map(line),
  }
}

/** Every acknowledgement in the stack's construct tree. */
function acknowledgements(stack: Stack): [string, string][] {
  const out: [string, string][] = []
  for (const construct of stack.node.findAll())
    for (const entry of construct.node.metadata)
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
          out.push([id.replace(/^annotation::/i, ''), reason])
  return out
}
