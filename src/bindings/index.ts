/**
 * Bindings: how handler code reaches the pipeline's resources.
 *
 * ```ts
 * import { stream, table, queue, topic } from 'tributary-pipeline/bindings'
 *
 * export const handler = async (event) => {
 *   await stream('telemetry').put({ id: 1 }, { partitionKey: 'device-1' })
 *   await table('devices').update({ id: 'device-1' }, { add: { readings: 1 } })
 * }
 * ```
 *
 * Under `tributary dev` each call travels to the engine that runs the worker (the worker installs
 * that transport). Anywhere else, when the process is a Lambda function (`AWS_LAMBDA_FUNCTION_NAME`)
 * or `TRIBUTARY_TRANSPORT=aws` is set, the calls go to AWS through SDK v3 clients (src/bindings/aws/),
 * each resource's physical name read from the variable the deployment sets (aws-env.ts). The
 * same handler file runs in both places.
 */
import { TRANSPORT_ENV } from './aws-env.ts'
import type {
  BindingTransport,
  BucketBinding,
  MetricsBinding,
  QueueBinding,
  StreamBinding,
  TableBinding,
  TopicBinding,
} from './types.ts'

export type {
  BindingTransport,
  BucketBinding,
  BucketListOptions,
  BucketListResult,
  BucketObjectHead,
  BucketPutOptions,
  Changes,
  Condition,
  MetricsBinding,
  MetricUnit,
  QueryOptions,
  QueueBinding,
  QueueSendOptions,
  RecordData,
  SortKeyCondition,
  StreamBinding,
  StreamPutOptions,
  StreamPutResult,
  TableBinding,
  TableKey,
  TopicBinding,
  TopicPublishOptions,
} from './types.ts'

const TRANSPORT = Symbol.for('tributary.bindings.transport')

/** Installs the transport for this thread (the function worker does this before loading code). */
export function setBindingTransport(transport: BindingTransport | undefined): void {
  ;(globalThis as Record<symbol, unknown>)[TRANSPORT] = transport
}

const AWS_TRANSPORT = Symbol.for('tributary.bindings.aws-transport')

/**
 * Whether calls go to AWS: no local transport installed, and the process is a Lambda function
 * or asks for AWS (`TRIBUTARY_TRANSPORT=aws`; `TRIBUTARY_TRANSPORT=local` never does).
 */
export function awsTransportSelected(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((globalThis as Record<symbol, unknown>)[TRANSPORT]) return false
  const asked = env[TRANSPORT_ENV]
  if (asked === 'aws') return true
  return asked !== 'local' && Boolean(env.AWS_LAMBDA_FUNCTION_NAME)
}

/** The AWS transport, one per process (shared by every copy of this module), loaded on first use. */
function awsTransport(): BindingTransport {
  const slot = globalThis as Record<symbol, unknown>
  let t = slot[AWS_TRANSPORT] as BindingTransport | undefined
  if (!t) {
    const loaded = import('./aws/index.ts').then((m) => m.createAwsTransport())
    t = { call: async (...args) => (await loaded).call(...args) }
    slot[AWS_TRANSPORT] = t
  }
  return t
}

function transport(): BindingTransport {
  const t = (globalThis as Record<symbol, unknown>)[TRANSPORT] as BindingTransport | undefined
  if (t) return t
  if (awsTransportSelected()) return awsTransport()
  throw new Error(
    'tributary bindings have no transport here: handlers reach their resources under tributary dev, ' +
      `on AWS Lambda, or with ${TRANSPORT_ENV}=aws (AWS SDK v3, resources named by TRIBUTARY_<KIND>_<NAME> variables)`,
  )
}

function call<T>(service: string, resource: string, method: string, ...args: unknown[]): Promise<T> {
  return transport().call(service, resource, method, args) as Promise<T>
}

export function stream(name: string): StreamBinding {
  return {
    put: (data, options) => call('stream', name, 'put', data, options),
    putMany: (records) => call('stream', name, 'putMany', records),
  }
}

export function table<T extends Record<string, unknown> = Record<string, unknown>>(
  name: string,
): TableBinding<T> {
  return {
    get: (key) => call('table', name, 'get', key),
    put: (item, options) => call('table', name, 'put', item, options),
    update: (key, changes, options) => call('table', name, 'update', key, changes, options),
    delete: (key, options) => call('table', name, 'delete', key, options),
    query: (options) => call('table', name, 'query', options),
  }
}

export function queue(name: string): QueueBinding {
  return { send: (body, options) => call('queue', name, 'send', body, options) }
}

export function topic(name: string): TopicBinding {
  return { publish: (message, options) => call('topic', name, 'publish', message, options) }
}

export function bucket(name: string): BucketBinding {
  return {
    put: (key, body, options) => call('bucket', name, 'put', key, body, options),
    get: (key) => call('bucket', name, 'get', key),
    head: (key) => call('bucket', name, 'head', key),
    delete: (key) => call('bucket', name, 'delete', key),
    list: (options) => call('bucket', name, 'list', options),
  }
}

/**
 * Custom metrics in a namespace.
 *
 * @example
 * await metrics('Telemetry').put('ReadingsRejected', 1, { dimensions: { Device: 'd-1' } })
 */
export function metrics(namespace: string): MetricsBinding {
  return {
    put: (name, value, options) => call('metrics', namespace, 'put', name, value, options ?? {}),
  }
}
