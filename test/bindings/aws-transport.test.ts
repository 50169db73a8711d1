/**
 * The bindings' AWS transport against Tributary's own AWS APIs: the same sequence of calls (every
 * binding method, successes and failures) through the local transport (a handler in a function
 * worker) and through the AWS transport (this process, `TRIBUTARY_TRANSPORT=aws`, SDK v3 clients
 * at `AWS_ENDPOINT_URL`), each on its own resources of one pipeline; results, errors and effects
 * must match.
 */
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { bindingEnvName } from '../../src/bindings/aws-env.ts'
import { awsTransportSelected, queue, table } from '../../src/bindings/index.ts'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { type Outcome, scenario } from './parity/scenario.ts'

const DIR = fileURLToPath(new URL('./parity/', import.meta.url))

/** Each resource twice: as the handler names it (local run) and `aws-…` (the AWS run's physical resource). */
const twice = <T>(names: string[], config: T) =>
  Object.fromEntries(
    names.flatMap((n) => [
      [n, config],
      [`aws-${n}`, config],
    ]),
  )

const definition = {
  name: 'parity',
  streams: twice(['events'], { shardCount: 1 }),
  tables: {
    ...twice(['devices'], { partitionKey: 'id' }),
    ...twice(['readings'], { partitionKey: 'device', sortKey: 'at' }),
  },
  queues: twice(['alerts', 'alarm-copies'], {}),
  topics: {
    alarms: { subscriptions: [{ queue: 'alarm-copies' }] },
    'aws-alarms': { subscriptions: [{ queue: 'aws-alarm-copies' }] },
  },
  buckets: twice(['raw'], {}),
  functions: {
    parity: {
      handler: 'handler.handler',
      writes: [
        { stream: 'events' },
        { table: 'devices' },
        { table: 'readings' },
        { queue: 'alerts' },
        { topic: 'alarms' },
        { bucket: 'raw' },
      ],
    },
  },
}

/** Points this process's bindings at the served APIs, each logical name at its `aws-` resource. */
function useAws(p: TestPipeline): void {
  const { region, account } = p.runtime.engine
  const endpoint = p.endpoint!.replace(/\/$/, '')
  const env: Record<string, string> = {
    TRIBUTARY_TRANSPORT: 'aws',
    TRIBUTARY_PIPELINE: 'parity',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    [bindingEnvName('stream', 'events')]: 'aws-events',
    [bindingEnvName('table', 'devices')]: 'aws-devices',
    [bindingEnvName('table', 'readings')]: 'aws-readings',
    [bindingEnvName('queue', 'alerts')]: `${endpoint}/${account}/aws-alerts`,
    [bindingEnvName('topic', 'alarms')]: `arn:aws:sns:${region}:${account}:aws-alarms`,
    [bindingEnvName('bucket', 'raw')]: 'aws-raw',
  }
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('the AWS transport of the bindings, against Tributary’s own AWS APIs', () => {
  it('gives every binding method the local transport’s results, errors and effects', async () => {
    const p = await startPipeline(definition, { serve: true, dir: DIR, teardown: onTestFinished })
    const local = await p.runtime.pool.invoke('parity', {})
    if (local.kind !== 'ok') throw new Error(`the parity handler failed: ${JSON.stringify(local)}`)

    useAws(p)
    expect(awsTransportSelected()).toBe(true)
    const aws = await scenario()

    const localOutcomes = new Map(local.result as Array<[string, Outcome]>)
    const diffs = aws.filter(([label, outcome]) => !equal(outcome, localOutcomes.get(label)))
    expect(
      diffs.map(([label, outcome]) => ({ label, aws: outcome, local: localOutcomes.get(label) })),
    ).toEqual([])
    expect(aws.map(([label]) => label)).toEqual([...localOutcomes.keys()])
    const outcome = (label: string) => aws.find(([l]) => l === label)?.[1]
    expect(outcome('table.update set/add/remove')).toEqual({
      ok: { id: 'd-1', n: 3, tags: ['a'], on: true, status: 'ok' },
    })
    expect(outcome('table.put exists:false on present')).toMatchObject({
      error: 'ConditionalCheckFailedException',
    })
    expect(outcome('table.query page 1')).toMatchObject({ ok: { lastKey: { device: 'd-1', at: 2 } } })
    expect(outcome('bucket.head missing')).toMatchObject({ error: 'NoSuchKey' })
    expect(outcome('stream.put')).toEqual({
      ok: { shardId: 'shardId-000000000000', sequenceNumber: 'string' },
    })

    // Effects: the AWS run's resources hold what the local run's hold.
    const items = (name: string) => p.table(name).scan({}).items
    expect(items('aws-devices')).toEqual(items('devices'))
    expect(items('aws-readings')).toEqual(items('readings'))
    const bodies = (name: string) =>
      p
        .queue(name)
        .messages()
        .map((m) => m.body)
    expect(bodies('aws-alerts')).toEqual(bodies('alerts'))
    expect(bodies('aws-alarm-copies').map(unwrap)).toEqual(bodies('alarm-copies').map(unwrap))
    expect(p.metric('Custom', { D: 'x' }, 'Parity').count).toBe(2)
  })
})

describe('choosing the AWS transport', () => {
  it.each([
    [{ TRIBUTARY_TRANSPORT: 'aws' }, true],
    [{ AWS_LAMBDA_FUNCTION_NAME: 'ingest' }, true],
    [{ AWS_LAMBDA_FUNCTION_NAME: 'ingest', TRIBUTARY_TRANSPORT: 'local' }, false],
    [{}, false],
  ])('with no local transport installed, %j → %s', (env, selected) => {
    expect(awsTransportSelected(env)).toBe(selected)
  })

  it('names the binding and the variable when the deployment did not set it', async () => {
    vi.stubEnv('TRIBUTARY_TRANSPORT', 'aws')
    vi.stubEnv('TRIBUTARY_QUEUE_JOBS_V2', '')
    await expect(queue('jobs.v2').send('x')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[BindingNotConfiguredError: queue('jobs.v2') has no AWS resource: TRIBUTARY_QUEUE_JOBS_V2 is not set. Declare { queue: 'jobs.v2' } in the function's reads or writes so the deployment sets it]`,
    )
  })

  it('says where bindings work when there is no transport at all', async () => {
    vi.stubEnv('TRIBUTARY_TRANSPORT', '')
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '')
    expect(() => table('devices').get({ id: 'd-1' })).toThrowErrorMatchingInlineSnapshot(
      `[Error: tributary bindings have no transport here: handlers reach their resources under tributary dev, on AWS Lambda, or with TRIBUTARY_TRANSPORT=aws (AWS SDK v3, resources named by TRIBUTARY_<KIND>_<NAME> variables)]`,
    )
  })
})

/** Error messages may be worded differently by the API than by the local binding: names must match. */
function equal(a: Outcome, b: Outcome | undefined): boolean {
  if (!b) return false
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error
  return isDeepStrictEqual(a, b)
}

/** An SNS notification's message and attributes, without its topic ARN, ids and timestamp. */
function unwrap(body: string) {
  const n = JSON.parse(body) as { Message: string; Subject?: string; MessageAttributes?: unknown }
  return { message: n.Message, subject: n.Subject, attributes: n.MessageAttributes }
}
