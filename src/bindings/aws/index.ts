/**
 * The bindings' AWS transport: each `stream()`, `table()`, `queue()`, `topic()`, `bucket()` and
 * `metrics()` call as the AWS API call it stands for, through SDK v3 clients, with the local
 * bindings' return shapes and error names. Physical resources come from the environment the
 * deployment sets (see ../aws-env.ts). The bindings choose it by themselves on Lambda; see
 * `awsTransportSelected` in ../index.ts.
 */
import type { BindingTransport } from '../types.ts'
import { bucketMethods } from './bucket.ts'
import { LazyClients } from './clients.ts'
import { AwsBindingError } from './errors.ts'
import { metricsMethods } from './metrics.ts'
import { queueMethods, topicMethods } from './queue.ts'
import type { AwsMethods } from './service.ts'
import { streamMethods } from './stream.ts'
import { tableMethods } from './table.ts'

export { AwsBindingError, BindingNotConfiguredError } from './errors.ts'

/** Each binding service's methods on AWS, by the service name the bindings call with. */
const SERVICES: Readonly<Record<string, AwsMethods>> = {
  stream: streamMethods,
  table: tableMethods,
  queue: queueMethods,
  topic: topicMethods,
  bucket: bucketMethods,
  metrics: metricsMethods,
}

/** A transport that also lets go of its clients' sockets. */
export interface AwsTransport extends BindingTransport {
  destroy(): Promise<void>
}

/**
 * The AWS transport, reading resource names from `env` at each call (default `process.env`).
 *
 * @example
 * setBindingTransport(createAwsTransport()) // what the bindings do by themselves on Lambda
 */
export function createAwsTransport(env: NodeJS.ProcessEnv = process.env): AwsTransport {
  const clients = new LazyClients(env)
  return {
    call(service, resource, method, args) {
      const methods = Object.hasOwn(SERVICES, service) ? SERVICES[service] : undefined
      const serve = methods && Object.hasOwn(methods, method) ? methods[method] : undefined
      if (!serve) {
        return Promise.reject(
          new AwsBindingError('UnknownOperationException', `${service} bindings have no method '${method}'`),
        )
      }
      return serve({ clients, env }, resource, args)
    },
    destroy: () => clients.destroy(),
  }
}
