/**
 * How a process runtime starts: the command per runtime family, and the environment Lambda gives
 * a runtime process (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
import { fileURLToPath } from 'node:url'
import type { FunctionSpec } from '../../contracts/functions.ts'
import type { Placement } from '../workers/environment.ts'
import type { WorkerInit } from '../workers/protocol.ts'
import { executionEnv, type RuntimeFamily, runtimeFamily } from './catalog.ts'

/** The package's root (`runtimes/` ships next to `src/` and `dist/`). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** Lambda's `LAMBDA_RUNTIME_DIR` for the runtimes Tributary provides. */
export const PYTHON_RUNTIME_DIR = `${PACKAGE_ROOT}runtimes/python`

export interface Launch {
  command: string
  args: string[]
  /** Variables the runtime itself needs (they win over the function's `environment`). */
  env: Record<string, string>
  /** `LAMBDA_RUNTIME_DIR`. */
  runtimeDir: string
}

/**
 * The Python interpreter a function runs on: its requirements' virtual environment when it has
 * one (python-deps.ts), else `python3` on PATH.
 */
export function pythonExecutable(spec: FunctionSpec): string {
  return spec.interpreter ?? SYSTEM_PYTHON
}

/** The interpreter Python functions run on, and their virtual environments are made from. */
export const SYSTEM_PYTHON = 'python3'

const LAUNCHERS: Record<Exclude<RuntimeFamily, 'nodejs'>, (spec: FunctionSpec, codeDir: string) => Launch> = {
  python: (spec, codeDir) => ({
    command: pythonExecutable(spec),
    args: [`${PYTHON_RUNTIME_DIR}/bootstrap.py`],
    env: {
      // The shim (sitecustomize) first: it points boto3 at Tributary before handler code imports it.
      PYTHONPATH: `${PYTHON_RUNTIME_DIR}/shim:${codeDir}`,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    },
    runtimeDir: PYTHON_RUNTIME_DIR,
  }),
  // Lambda runs `bootstrap` from the function's code (`/var/task`); the handler is only `_HANDLER`.
  provided: (_spec, codeDir) => ({
    command: `${codeDir}/bootstrap`,
    args: [],
    env: {},
    runtimeDir: codeDir,
  }),
}

export function launchOf(spec: FunctionSpec): Launch {
  const family = runtimeFamily(spec.runtime)
  if (family === 'nodejs')
    throw new Error(`${spec.name}: ${spec.runtime} runs in worker threads, not a process`)
  return LAUNCHERS[family](spec, codeDirOf(spec))
}

/** Lambda's task root: the function's code directory. */
export function codeDirOf(spec: FunctionSpec): string {
  return spec.codeDir ?? process.cwd()
}

/** Where the process's AWS SDKs send their requests: the running Tributary server. */
export interface SdkTarget {
  /** `AWS_ENDPOINT_URL`; undefined when the pipeline runs without a server. */
  endpointUrl: string | undefined
}

/**
 * The environment of a runtime process: the engine's own (PATH, HOME, a local tool's settings),
 * then what Lambda sets that a function may override here (credentials: the engine's own when it
 * has some, else placeholders; `AWS_ENDPOINT_URL`, `TZ`), then the function's `environment`, then
 * the variables Lambda reserves, which always win.
 */
export function processEnv(
  spec: FunctionSpec,
  init: WorkerInit,
  placement: Placement,
  launch: Launch,
  runtimeApi: string,
  target: SdkTarget,
): Record<string, string | undefined> {
  const ownKeys = process.env.AWS_ACCESS_KEY_ID !== undefined
  const execution = executionEnv(spec.runtime ?? '')
  return {
    ...process.env,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_ACCESS_KEY_ID: ownKeys ? process.env.AWS_ACCESS_KEY_ID : 'ASIATRIBUTARYLOCAL00',
    AWS_SECRET_ACCESS_KEY: ownKeys ? process.env.AWS_SECRET_ACCESS_KEY : 'tributary-local-secret',
    AWS_SESSION_TOKEN: ownKeys ? process.env.AWS_SESSION_TOKEN : 'tributary-local-session',
    ...(target.endpointUrl ? { AWS_ENDPOINT_URL: target.endpointUrl } : {}),
    ...spec.environment,
    AWS_REGION: placement.region,
    AWS_DEFAULT_REGION: placement.region,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: init.functionVersion,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: init.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: init.logStreamName,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_EXECUTION_ENV: execution,
    LAMBDA_TASK_ROOT: codeDirOf(spec),
    LAMBDA_RUNTIME_DIR: launch.runtimeDir,
    _HANDLER: init.handlerString,
    ...launch.env,
  }
}
