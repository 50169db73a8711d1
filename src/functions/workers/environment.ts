/**
 * What a function's execution environment looks like from inside: the static half of the
 * Lambda `context` and the environment variables Lambda sets.
 */
import { randomBytes } from 'node:crypto'
import { extname, isAbsolute, relative } from 'node:path'
import type { FunctionSpec } from '../../contracts/functions.ts'
import type { WorkerInit } from './protocol.ts'

export interface Placement {
  region: string
  account: string
}

/**
 * Lambda's `_HANDLER` (`path/module.export`): the module path relative to the task root without
 * its extension. Locally the task root is the working directory; a handler outside it is named
 * by its file name.
 */
export function handlerString(spec: FunctionSpec, root = process.cwd()): string {
  let module = relative(root, spec.file)
  if (module.startsWith('..') || isAbsolute(module)) module = spec.file.split(/[\\/]/).pop()!
  return `${module.slice(0, module.length - extname(module).length)}.${spec.exportName}`
}

/** A fresh log stream name per execution environment, in Lambda's format (dated `now`). */
export function logStreamName(now = Date.now()): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/')
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`
}

/**
 * The worker's view of its function; a new log stream each call (one per worker). The compiled
 * module is filled in once compiled (see function-worker.ts).
 */
export function workerInit(spec: FunctionSpec, placement: Placement, captureLogs: boolean): WorkerInit {
  return {
    functionName: spec.name,
    file: spec.file,
    moduleUrl: '',
    commonJs: false,
    exportName: spec.exportName,
    handlerString: handlerString(spec),
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${placement.region}:${placement.account}:function:${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: logStreamName(),
    captureLogs,
  }
}

/**
 * What Lambda sets that a function may override here: credentials (the engine's own when it has
 * some, else placeholders: Lambda always provides a role's keys, and SDKs refuse to sign without)
 * and `AWS_ENDPOINT_URL`, the running server, so AWS SDKs that read it reach the local pipeline.
 */
export function localAwsEnv(endpointUrl: string | undefined): Record<string, string | undefined> {
  const own = process.env.AWS_ACCESS_KEY_ID !== undefined
  return {
    AWS_ACCESS_KEY_ID: own ? process.env.AWS_ACCESS_KEY_ID : 'ASIATRIBUTARYLOCAL00',
    AWS_SECRET_ACCESS_KEY: own ? process.env.AWS_SECRET_ACCESS_KEY : 'tributary-local-secret',
    AWS_SESSION_TOKEN: own ? process.env.AWS_SESSION_TOKEN : 'tributary-local-session',
    ...(endpointUrl ? { AWS_ENDPOINT_URL: endpointUrl } : {}),
  }
}

/**
 * `process.env` inside the worker: the engine's own environment (so local credentials, PATH and
 * the like stay visible, as a local tool should), then {@link localAwsEnv}, then the function's
 * `environment`, then the variables Lambda reserves, which always win (AWS refuses to let a
 * function set them).
 */
export function workerEnv(
  spec: FunctionSpec,
  init: WorkerInit,
  placement: Placement,
  endpointUrl?: string,
): Record<string, string | undefined> {
  return {
    ...process.env,
    ...localAwsEnv(endpointUrl),
    ...spec.environment,
    AWS_REGION: placement.region,
    AWS_DEFAULT_REGION: placement.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: init.functionVersion,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: init.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: init.logStreamName,
    LAMBDA_TASK_ROOT: spec.codeDir ?? process.cwd(),
    _HANDLER: init.handlerString,
  }
}
