/**
 * The CloudFormation custom resource that creates a pipeline's search indexes in its OpenSearch
 * domain (`tributary synth`, src/search/synth.ts): OpenSearch holds indexes as data, not as
 * CloudFormation resources. It runs as a Lambda function, bundled on its own (no aws-cdk-lib, no
 * other Tributary module), and signs its requests with SigV4 (service `es`) as the function's role.
 *
 * Create and Update are idempotent: an index that does not exist is created with its declared
 * mapping (`PUT /<index>`); one that exists gets the declared fields added (`PUT /<index>/_mapping`),
 * which OpenSearch refuses (and the deployment fails, naming the index) when a field's type
 * changes. Delete leaves the indexes: they go with the domain, and an index dropped from the
 * definition keeps its documents until it is deleted by hand.
 *
 * The reply is the custom resource protocol: a PUT of the result to the request's pre-signed
 * `ResponseURL` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 */
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'

/** One index to create: its name and its `mappings` as declared (`{ properties, dynamic? }`). */
export interface IndexSpec {
  name: string
  mappings?: { dynamic?: boolean | 'strict'; properties?: Record<string, unknown> }
}

/** The custom resource's properties (CloudFormation passes every value as a string or list). */
export interface IndexProviderProperties {
  /** `https://<domain endpoint>`, or any OpenSearch URL (a path prefix is kept). */
  Endpoint: string
  /** The indexes, as JSON (so CloudFormation passes booleans and numbers of mappings unchanged). */
  Indexes: string
}

/** The custom resource request, as CloudFormation sends it. */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete'
  ResponseURL: string
  StackId: string
  RequestId: string
  LogicalResourceId: string
  PhysicalResourceId?: string
  ResourceProperties: IndexProviderProperties
}

/** What Lambda passes besides the event (only the time left is used). */
export interface LambdaContext {
  getRemainingTimeInMillis(): number
}

/** Time kept to reply to CloudFormation after the requests to OpenSearch gave up. */
const REPLY_MS = 10_000

/**
 * Runs a request and replies to CloudFormation; never throws, and gives up on OpenSearch in time
 * to reply before the function times out (else CloudFormation waits for the resource's timeout).
 */
export async function handler(event: CustomResourceEvent, context?: LambdaContext): Promise<void> {
  const physicalId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-indexes`
  const deadline = Date.now() + (context?.getRemainingTimeInMillis() ?? 120_000) - REPLY_MS
  let reply: { Status: 'SUCCESS' | 'FAILED'; Reason?: string; Data?: Record<string, string> }
  try {
    const created =
      event.RequestType === 'Delete'
        ? []
        : await ensureIndexes(event.ResourceProperties, process.env, deadline)
    reply = { Status: 'SUCCESS', Data: { Created: created.join(',') } }
  } catch (error) {
    reply = { Status: 'FAILED', Reason: (error as Error).message.slice(0, 2000) }
  }
  const body = JSON.stringify({
    ...reply,
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  })
  // The pre-signed URL was signed with no content type: sending one would break its signature.
  await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } })
}

/** Creates the indexes that do not exist and adds declared fields to those that do: the ones created. */
export async function ensureIndexes(
  properties: IndexProviderProperties,
  env: NodeJS.ProcessEnv,
  deadline = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const indexes = JSON.parse(properties.Indexes) as IndexSpec[]
  const send = signer(properties.Endpoint, env, deadline)
  const created: string[] = []
  for (const index of indexes) {
    const path = `/${encodeURIComponent(index.name)}`
    const head = await send('HEAD', path)
    const mappings = index.mappings ?? {}
    if (head.status === 404) {
      const put = await send('PUT', path, { mappings })
      // Another writer (a sink's first document) may have created it meanwhile: then add the fields.
      if (put.ok) {
        created.push(index.name)
        continue
      }
      if (!put.text.includes('resource_already_exists_exception')) throw refused(index.name, put)
    } else if (!head.ok) throw refused(index.name, head)
    const update = await send('PUT', `${path}/_mapping`, mappings)
    if (!update.ok) throw refused(index.name, update)
  }
  return created
}

function refused(index: string, reply: { status: number; text: string }): Error {
  return new Error(`index ${index}: OpenSearch answered ${reply.status}: ${reply.text.slice(0, 500)}`)
}

type Send = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ ok: boolean; status: number; text: string }>

/** Sends SigV4-signed requests (service `es`) with the function's credentials, as AWS SDKs do. */
function signer(endpoint: string, env: NodeJS.ProcessEnv, deadline: number): Send {
  const base = new URL(endpoint)
  const prefix = base.pathname.replace(/\/$/, '')
  const sigv4 = new SignatureV4({
    service: 'es',
    region: env.AWS_REGION ?? 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  })
  return async (method, path, body) => {
    const text = body === undefined ? undefined : JSON.stringify(body)
    const request = await sigv4.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: `${prefix}${path}`,
      headers: {
        host: base.host,
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(text === undefined ? {} : { body: text }),
    })
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`no time left for ${method} ${path} (the function's timeout)`)
    const response = await fetch(`${base.origin}${prefix}${path}`, {
      method,
      headers: request.headers,
      ...(text === undefined ? {} : { body: text }),
      ...(Number.isFinite(left) ? { signal: AbortSignal.timeout(left) } : {}),
    })
    return { ok: response.ok, status: response.status, text: await response.text() }
  }
}
