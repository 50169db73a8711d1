/**
 * `TRIBUTARY_TRANSPORT=aws` on the Tributary process: every Node.js handler's bindings take the
 * AWS transport, as on Lambda, against the AWS APIs the pipeline serves. Each function's
 * environment then carries what a deployment would set (aws-env.ts: one variable per resource it
 * declares in `reads` / `writes`, naming the local resource by its queue URL, topic ARN or name),
 * plus `AWS_ENDPOINT_URL` and placeholder credentials. A handler that uses a resource it did not
 * declare fails here as it would on AWS. The worker leaves the local transport out (worker.ts).
 */
import { type BindingKind, bindingEnvironment, bindingEnvName, TRANSPORT_ENV } from '../bindings/aws-env.ts'
import { named } from '../kind/references.ts'
import type { FunctionConfig } from './config.ts'

/** Whether handlers' bindings go through the AWS transport to the served APIs. */
export function awsTransportMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TRANSPORT_ENV] === 'aws'
}

export interface ServedApis {
  /** The served port's URL (`AWS_ENDPOINT_URL`). */
  endpointUrl: string
  region: string
  account: string
}

/** The identifier AWS APIs take for each kind, as the served APIs spell it. */
const PHYSICAL: Readonly<Record<BindingKind, (name: string, apis: ServedApis) => string>> = {
  bucket: (name) => name,
  table: (name) => name,
  stream: (name) => name,
  queue: (name, { endpointUrl, account }) => `${endpointUrl.replace(/\/$/, '')}/${account}/${name}`,
  topic: (name, { region, account }) => `arn:aws:sns:${region}:${account}:${name}`,
  index: (_name, { endpointUrl }) => searchEndpoint(endpointUrl),
}

/** Where the served OpenSearch API is (an OpenSearch client's `node`). */
export function searchEndpoint(endpointUrl: string): string {
  return `${endpointUrl.replace(/\/$/, '')}/_opensearch`
}

/**
 * The variables naming a function's search indexes (`TRIBUTARY_INDEX_<NAME>`), in every mode:
 * there is no local binding for an index, the handler's OpenSearch client takes the URL.
 */
export function searchIndexEnvironment(fn: FunctionConfig, endpointUrl: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const ref of [...(fn.reads ?? []), ...(fn.writes ?? [])])
    if ('index' in ref) env[bindingEnvName('index', ref.index)] = searchEndpoint(endpointUrl)
  return env
}

/** A function's environment additions in AWS transport mode. */
export function awsTransportEnvironment(
  pipeline: string,
  fn: FunctionConfig,
  apis: ServedApis,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const resources = [...(fn.reads ?? []), ...(fn.writes ?? [])].flatMap((ref) => {
    if ('metrics' in ref) return [] // a namespace: no variable, the call names it
    const { kind, name } = named(ref) as { kind: BindingKind; name: string }
    return [{ kind, name, value: PHYSICAL[kind](name, apis) }]
  })
  const ownKeys = env.AWS_ACCESS_KEY_ID !== undefined
  return {
    [TRANSPORT_ENV]: 'aws',
    AWS_ENDPOINT_URL: apis.endpointUrl.replace(/\/$/, ''),
    ...(ownKeys
      ? {}
      : { AWS_ACCESS_KEY_ID: 'ASIATRIBUTARYLOCAL00', AWS_SECRET_ACCESS_KEY: 'tributary-local-secret' }),
    ...bindingEnvironment(pipeline, resources),
  }
}
