import { existsSync, mkdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { buildSync } from 'esbuild'
import {
  type BindingKind,
  type BoundResource,
  bindingEnvironment,
  METRICS_ACTION,
  METRICS_NAMESPACE_KEY,
} from '../bindings/aws-env.ts'
import { cdk } from '../kind/cdk-synth.ts'
import { ConfigProblem } from '../kind/kind.ts'
import { type Destination, named } from '../kind/references.ts'
import type { SynthContext, SynthFace } from '../kind/synth.ts'
import type { FunctionConfig } from './config.ts'
import { functionSpec } from './handler-file.ts'
import { DESTINATION_ACTIONS, destinationArn } from './mapping-synth.ts'
import { runtimeFamily } from './runtimes/catalog.ts'

const { Duration } = cdk
const { PolicyStatement, Role, ServicePrincipal } = cdk.aws_iam
const { RuntimeFamily: CdkFamily, Code, Function: LambdaFunction, Runtime } = cdk.aws_lambda
const { LogGroup, RetentionDays } = cdk.aws_logs

/** What every function's role may do besides its bindings: write its own log group. */
export const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents']

/** Days a function's logs are kept on AWS (Lambda's default keeps them forever, at a cost). */
export const LOG_RETENTION = RetentionDays.ONE_MONTH

/**
 * Variables Lambda sets itself and refuses in a function's configuration
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
])
/** Lambda's pattern for variable names. */
const ENV_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/
/**
 * Lambda's limit on a function's variables, names and values together
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the bindings' variables
 * (names of the resources it declares) come on top.
 */
export const MAX_ENVIRONMENT_BYTES = 4096

const FAMILIES = { nodejs: CdkFamily.NODEJS, python: CdkFamily.PYTHON, provided: CdkFamily.OTHER } as const

/** Our package's exports point at src/ under this condition in a clone (src/util/source-mode.mjs). */
const SOURCE_MODE = import.meta.url.endsWith('.ts')

/**
 * Functions become Lambda functions: Node.js handlers bundled by esbuild into one ES module
 * (the AWS SDK v3, which the runtime provides, left out), Python and custom runtimes as their code
 * directory; each with a role of its own that may write its log group and do what its bindings
 * declare (`reads`/`writes`), and nothing else.
 */
export const functionSynth: SynthFace<FunctionConfig> = {
  localOnly: [],
  synth(ctx, functions) {
    for (const { name, config } of functions) synthFunction(ctx, name, config)
  },
}

function synthFunction(ctx: SynthContext, name: string, config: FunctionConfig): void {
  checkDeployable(name, config)
  let spec: ReturnType<typeof functionSpec>
  try {
    spec = functionSpec(name, config, ctx.dir)
  } catch (error) {
    if (error instanceof ConfigProblem)
      throw new ConfigProblem(error.message, [name, ...error.path], error.hint)
    throw error
  }
  const family = runtimeFamily(config.runtime)
  const { code, handler } =
    family === 'nodejs'
      ? bundle(ctx, name, spec.file, spec.exportName, config.runtime)
      : directory(ctx, name, spec.codeDir!, config.handler)
  const logGroup = new LogGroup(ctx.stack, ctx.id('function', name, 'logs'), { retention: LOG_RETENTION })
  const role = new Role(ctx.stack, ctx.id('function', name, 'role'), {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Tributary function ${name}: its log group and its declared bindings`,
  })
  role.addToPolicy(new PolicyStatement({ actions: LOG_ACTIONS, resources: [logGroup.logGroupArn] }))
  const dlq = config.deadLetterQueue && ctx.get<IQueue>('queue', config.deadLetterQueue.queue).construct
  const fn = new LambdaFunction(ctx.stack, ctx.id('function', name), {
    runtime: new Runtime(config.runtime, FAMILIES[family]),
    handler,
    code,
    memorySize: config.memorySize,
    timeout: Duration.seconds(config.timeout),
    environment: { ...config.environment },
    ...(config.reservedConcurrency !== undefined
      ? { reservedConcurrentExecutions: config.reservedConcurrency }
      : {}),
    role,
    logGroup,
    ...(dlq ? { deadLetterQueue: dlq } : {}),
  })
  ctx.acknowledge(
    fn,
    'AwsSolutions-L1',
    `the runtime is the one functions.${name}.runtime declares (${config.runtime}), as it runs under tributary dev`,
  )
  const async = config.asyncInvokeConfig
  if (async) {
    const onFailure = async.destinationConfig?.onFailure
    fn.configureAsyncInvoke({
      retryAttempts: async.maximumRetryAttempts,
      maxEventAge: Duration.seconds(async.maximumEventAgeInSeconds),
      ...(onFailure ? { onFailure: asyncDestination(ctx, fn, onFailure) } : {}),
    })
  }
  ctx.add('function', name, { construct: fn, physicalName: fn.functionName })
  ctx.output('function', name, 'Name', fn.functionName)
  // The resources bound may be synthesized after the functions (buckets notify functions).
  ctx.defer(() => {
    const bound: BoundResource[] = []
    const namespaces: string[] = []
    for (const [field, access] of [
      ['reads', 'read'],
      ['writes', 'write'],
    ] as const)
      for (const ref of config[field] ?? []) {
        if ('metrics' in ref) {
          namespaces.push(ref.metrics)
          continue
        }
        const { kind, name: resource } = named(ref)
        const target = ctx.get(kind, resource)
        target.grant?.(fn, access)
        if (target.bindingValue !== undefined)
          bound.push({ kind: kind as BindingKind, name: resource, value: target.bindingValue })
      }
    for (const [key, value] of Object.entries(bindingEnvironment(ctx.pipeline, bound)))
      fn.addEnvironment(key, value)
    if (namespaces.length > 0) grantMetrics(ctx, fn, namespaces)
  })
}

/**
 * `metrics(namespace).put` on AWS: PutMetricData has no resource ARN (IAM takes only `*`), so the
 * declared namespaces bound it through the `cloudwatch:namespace` condition key
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
 */
function grantMetrics(ctx: SynthContext, fn: lambda.Function, namespaces: readonly string[]): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [METRICS_ACTION],
      resources: ['*'],
      conditions: { StringEquals: { [METRICS_NAMESPACE_KEY]: [...new Set(namespaces)] } },
    }),
  )
  ctx.acknowledge(
    fn.role!,
    'AwsSolutions-IAM5[Resource::*]',
    `cloudwatch:PutMetricData has no resource ARN; the ${METRICS_NAMESPACE_KEY} condition allows only the namespaces the function declares in writes`,
  )
}

function checkDeployable(name: string, config: FunctionConfig): void {
  if (!Number.isInteger(config.timeout))
    throw new ConfigProblem(`Lambda takes whole seconds (got ${config.timeout})`, [name, 'timeout'])
  const bytes = Object.entries(config.environment).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  )
  if (bytes > MAX_ENVIRONMENT_BYTES)
    throw new ConfigProblem(
      `Lambda takes at most ${MAX_ENVIRONMENT_BYTES} bytes of variables (got ${bytes})`,
      [name, 'environment'],
      'move large values to a table or a bucket the function reads',
    )
  for (const key of Object.keys(config.environment)) {
    if (RESERVED_ENV.has(key))
      throw new ConfigProblem(
        'Lambda sets this variable itself and refuses it',
        [name, 'environment', key],
        'rename the variable',
      )
    if (!ENV_NAME.test(key))
      throw new ConfigProblem(
        'Lambda takes variable names of letters, digits and _ starting with a letter',
        [name, 'environment', key],
        'rename the variable',
      )
  }
}

/** A Node.js handler and what it imports, as one ES module `index.mjs` in the function's asset. */
function bundle(
  ctx: SynthContext,
  name: string,
  file: string,
  exportName: string,
  runtime: string,
): { code: lambda.Code; handler: string } {
  const outdir = join(ctx.buildDir, name)
  mkdirSync(outdir, { recursive: true })
  const result = buildSync({
    entryPoints: [file],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    // The runtime's Node.js (`nodejs24.x` → node24): its syntax as it is, nothing lowered.
    target: runtime.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    // The Node.js runtimes of Lambda provide the AWS SDK v3 (as the CDK's NodejsFunction assumes).
    external: ['@aws-sdk/*'],
    conditions: SOURCE_MODE ? ['tributary-source'] : [],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    // A CommonJS package bundled into an ES module calls `require`.
    banner: {
      js: "import { createRequire as __tributaryCreateRequire } from 'node:module'; const require = __tributaryCreateRequire(import.meta.url);",
    },
  })
  if (result.errors.length > 0)
    throw new ConfigProblem(
      `esbuild could not bundle ${relative(ctx.dir, file)}: ${result.errors[0]!.text}`,
      [name, 'handler'],
    )
  return { code: Code.fromAsset(outdir), handler: `index.${exportName}` }
}

/** A Python or custom runtime's code directory as it is. */
function directory(
  ctx: SynthContext,
  name: string,
  codeDir: string,
  handler: string,
): { code: lambda.Code; handler: string } {
  const requirements = join(codeDir, 'requirements.txt')
  if (existsSync(requirements))
    ctx.warn(
      `functions.${name}: requirements.txt is not installed into the package (no index reachable offline); ` +
        'vendor the packages into the code directory (pip install -r requirements.txt -t <code>) before deploying',
    )
  return {
    code: Code.fromAsset(codeDir, {
      exclude: ['.venv', 'venv', '__pycache__', '*.pyc', '.tributary', 'node_modules'],
    }),
    handler,
  }
}

/**
 * An asynchronous invocation's on-failure destination, the role allowed to send there and no more
 * (the CDK's SqsDestination also grants GetQueueAttributes and GetQueueUrl, which Lambda does not use).
 */
function asyncDestination(
  ctx: SynthContext,
  fn: lambda.Function,
  destination: Destination,
): lambda.IDestination {
  const { kind, arn } = destinationArn(ctx, destination)
  fn.addToRolePolicy(new PolicyStatement({ actions: [...DESTINATION_ACTIONS[kind]], resources: [arn] }))
  return { bind: () => ({ destination: arn }) }
}
