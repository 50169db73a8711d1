/**
 * The contract between a deployment and the bindings on AWS: the environment variables a
 * function's environment carries so that `bucket('raw')`, `table('devices')`, `queue('alerts')`,
 * `topic('alarms')` and `stream('telemetry')` find their physical resources.
 *
 * For every resource a function declares in `reads` or `writes`, the deployment (the CDK app of
 * `tributary synth`) sets one variable:
 *
 * | kind     | variable                       | value                                  |
 * | -------- | ------------------------------ | -------------------------------------- |
 * | `bucket` | `TRIBUTARY_BUCKET_<NAME>`      | the bucket name                        |
 * | `table`  | `TRIBUTARY_TABLE_<NAME>`       | the table name                         |
 * | `queue`  | `TRIBUTARY_QUEUE_<NAME>`       | the queue URL (SQS calls take the URL) |
 * | `topic`  | `TRIBUTARY_TOPIC_<NAME>`       | the topic ARN (SNS calls take the ARN) |
 * | `stream` | `TRIBUTARY_STREAM_<NAME>`      | the stream name                        |
 * | `index`  | `TRIBUTARY_INDEX_<NAME>`       | the search endpoint (an OpenSearch     |
 * |          |                                | client's `node`: the domain's          |
 * |          |                                | `https://` endpoint on AWS, the served |
 * |          |                                | `/_opensearch` URL locally)            |
 *
 * `<NAME>` is the logical name of the pipeline definition in upper snake case: every character
 * outside `A-Z 0-9` (resource names allow `a-z A-Z 0-9 _ . -`) becomes `_`, letters are upper-cased
 * (`raw-events` → `TRIBUTARY_BUCKET_RAW_EVENTS`). Two names of one kind that map to the same
 * variable (`raw-events` and `raw_events`) cannot both be bound by one function:
 * {@link bindingEnvironment} rejects them.
 *
 * Besides, every function gets `TRIBUTARY_PIPELINE` (the pipeline's name). Metrics need no
 * variable: the namespace is given in the call (and declared in `writes: [{ metrics: ns }]`). The bindings choose the AWS transport when no
 * local transport is installed and either `TRIBUTARY_TRANSPORT=aws` or `AWS_LAMBDA_FUNCTION_NAME`
 * is set (see `src/bindings/aws/`); `AWS_ENDPOINT_URL` (SDK v3) points them at another endpoint,
 * such as Tributary's own AWS APIs.
 *
 * Lambda allows 4 KB of environment variables per function in all: a function binding many
 * resources with long queue URLs and topic ARNs should be split.
 *
 * The AWS API actions the transport calls for each kind and access are {@link BINDING_ACTIONS}
 * (what a function's role needs on the resource it declares); metrics call
 * `cloudwatch:PutMetricData`, which has no resource ARN ({@link METRICS_ACTION}: granted on `*`
 * for the declared namespaces only).
 *
 * @example
 * bindingEnvName('bucket', 'raw-events') // 'TRIBUTARY_BUCKET_RAW_EVENTS'
 * bindingEnvironment('ingest', [{ kind: 'queue', name: 'alerts', value: queueUrl }])
 * // { TRIBUTARY_PIPELINE: 'ingest', TRIBUTARY_QUEUE_ALERTS: 'https://sqs...' }
 */

/** The kinds a handler binds by name (metrics are bound by namespace, with no variable). */
export const BINDING_KINDS = ['bucket', 'table', 'queue', 'topic', 'stream', 'index'] as const
export type BindingKind = (typeof BINDING_KINDS)[number]

/** The pipeline's name, set on every deployed function. */
export const PIPELINE_ENV = 'TRIBUTARY_PIPELINE'

/** `aws` makes the bindings use the AWS transport outside Lambda (tests, scripts, containers). */
export const TRANSPORT_ENV = 'TRIBUTARY_TRANSPORT'

/** What each kind's variable holds: the identifier its AWS API takes. */
export const BINDING_ENV_VALUE: Readonly<Record<BindingKind, string>> = {
  bucket: 'bucket name',
  table: 'table name',
  queue: 'queue URL',
  topic: 'topic ARN',
  stream: 'stream name',
  index: 'search endpoint URL',
}

/**
 * The IAM actions behind each binding method, by kind and by how the function declares the
 * resource (`reads` / `writes`): exactly the API calls src/bindings/aws/ makes.
 * `table().query` reads the key schema once per table with DescribeTable (a query names key
 * values, a KeyConditionExpression needs the attribute names); `bucket().list` is ListObjectsV2
 * (`s3:ListBucket`, on the bucket's ARN, not its objects'), which also makes a missing key a 404
 * `NoSuchKey` rather than a 403 for `get` and `head`.
 */
export const BINDING_ACTIONS: Readonly<
  Record<BindingKind, { read: readonly string[]; write: readonly string[] }>
> = {
  bucket: { read: ['s3:GetObject', 's3:ListBucket'], write: ['s3:PutObject', 's3:DeleteObject'] },
  table: {
    read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  },
  queue: { read: [], write: ['sqs:SendMessage'] },
  topic: { read: [], write: ['sns:Publish'] },
  stream: { read: [], write: ['kinesis:PutRecord', 'kinesis:PutRecords'] },
  // An OpenSearch client's HTTP verbs: reads search (`_search` is a POST too), writes add PUT
  // (`_doc/<id>`, creating the index on first write).
  index: {
    read: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'],
    write: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut'],
  },
}

/**
 * `metrics(namespace).put`: PutMetricData. It has no resource ARN: a function declaring
 * `writes: [{ metrics: 'Telemetry' }]` is granted it on `*` under the condition that
 * {@link METRICS_NAMESPACE_KEY} is one of its declared namespaces.
 */
export const METRICS_ACTION = 'cloudwatch:PutMetricData'

/** The IAM condition key naming the namespace a PutMetricData call publishes to. */
export const METRICS_NAMESPACE_KEY = 'cloudwatch:namespace'

/** The variable naming the physical resource behind `kind(name)`: `TRIBUTARY_<KIND>_<NAME>`. */
export function bindingEnvName(kind: BindingKind, name: string): string {
  return `TRIBUTARY_${kind.toUpperCase()}_${name.replace(/[^a-zA-Z0-9]/g, '_').toUpperCase()}`
}

/** One bound resource and its physical identifier (see {@link BINDING_ENV_VALUE}). */
export interface BoundResource {
  kind: BindingKind
  name: string
  value: string
}

/** Two logical names of one kind that would share a variable. */
export class BindingEnvCollisionError extends Error {
  override readonly name = 'BindingEnvCollisionError'
  constructor(
    readonly variable: string,
    readonly names: readonly [string, string],
  ) {
    super(`${names[0]} and ${names[1]} would both be bound through ${variable}: rename one of them`)
  }
}

/**
 * A function's binding variables: {@link PIPELINE_ENV} and one variable per bound resource.
 * A resource listed twice (read and written) is one variable; two names colliding on one
 * variable throw {@link BindingEnvCollisionError}.
 */
export function bindingEnvironment(
  pipeline: string,
  resources: readonly BoundResource[],
): Record<string, string> {
  const env: Record<string, string> = { [PIPELINE_ENV]: pipeline }
  const owner = new Map<string, string>()
  for (const r of resources) {
    const variable = bindingEnvName(r.kind, r.name)
    const previous = owner.get(variable)
    if (previous !== undefined && previous !== r.name)
      throw new BindingEnvCollisionError(variable, [previous, r.name])
    owner.set(variable, r.name)
    env[variable] = r.value
  }
  return env
}
