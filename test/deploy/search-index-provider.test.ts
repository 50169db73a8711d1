/**
 * The custom resource that creates a deployed pipeline's search indexes (src/search/index-provider.ts),
 * run as Lambda runs it — `handler(event)` — against a real OpenSearch REST API: the one
 * `tributary dev` serves on loopback (it accepts the SigV4-signed requests without checking the
 * signature). CloudFormation's side is a loopback server standing in for the pre-signed S3 URL the
 * reply is PUT to.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type CustomResourceEvent, handler, type IndexSpec } from '../../src/search/index-provider.ts'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'

let pipelines: TestPipeline[] = []
let servers: Server[] = []

afterEach(async () => {
  for (const p of pipelines) await p.dispose()
  for (const s of servers) await new Promise((r) => s.close(r))
  pipelines = []
  servers = []
})

/** A loopback stand-in for the pre-signed ResponseURL: the replies CloudFormation would get. */
async function cloudFormation(): Promise<{
  url: string
  replies: Record<string, unknown>[]
  headers: string[]
}> {
  const replies: Record<string, unknown>[] = []
  const headers: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      headers.push(`${req.method} ${req.headers['content-type'] ?? '(none)'}`)
      replies.push(JSON.parse(body))
      res.end()
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reply?X-Amz-Signature=x`,
    replies,
    headers,
  }
}

const TRIPS: IndexSpec = {
  name: 'trips',
  mappings: { properties: { zone: { type: 'keyword' }, fare: { type: 'double' }, pickup: { type: 'date' } } },
}

function event(
  type: CustomResourceEvent['RequestType'],
  endpoint: string,
  responseUrl: string,
  indexes: IndexSpec[],
): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/tributary-t/1',
    RequestId: `req-${type}`,
    LogicalResourceId: 'indexindexes',
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'indexindexes-indexes' }),
    ResourceProperties: { Endpoint: endpoint, Indexes: JSON.stringify(indexes) },
  }
}

async function opensearch(): Promise<{ endpoint: string }> {
  const p = await startPipeline({ name: 'index-provider' } as never, { serve: true })
  pipelines.push(p)
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'secret'
  return { endpoint: `${p.endpoint}/_opensearch` }
}

const mappingOf = async (endpoint: string, index: string) =>
  ((await (await fetch(`${endpoint}/${index}/_mapping`)).json()) as Record<string, { mappings: unknown }>)[
    index
  ]?.mappings

describe('the search indexes custom resource', () => {
  it('creates each index with its declared mapping on Create and replies SUCCESS to CloudFormation', async () => {
    const { endpoint } = await opensearch()
    const cfn = await cloudFormation()
    await handler(event('Create', endpoint, cfn.url, [TRIPS, { name: 'empty' }]))
    expect(cfn.replies).toEqual([
      {
        Status: 'SUCCESS',
        Data: { Created: 'trips,empty' },
        PhysicalResourceId: 'indexindexes-indexes',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/tributary-t/1',
        RequestId: 'req-Create',
        LogicalResourceId: 'indexindexes',
      },
    ])
    // An empty content type, as cfn-response sends (not fetch's text/plain for a string body).
    expect(cfn.headers).toEqual(['PUT '])
    expect(await mappingOf(endpoint, 'trips')).toMatchObject({
      properties: { zone: { type: 'keyword' }, fare: { type: 'double' }, pickup: { type: 'date' } },
    })
    expect((await fetch(`${endpoint}/empty`, { method: 'HEAD' })).status).toBe(200)
  })

  it('is idempotent: an Update adds new fields to existing indexes and creates new ones', async () => {
    const { endpoint } = await opensearch()
    const cfn = await cloudFormation()
    await handler(event('Create', endpoint, cfn.url, [TRIPS]))
    // A document written meanwhile (a sink's first write) keeps its index and its data.
    await fetch(`${endpoint}/trips/_doc/1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ zone: 'Midtown', fare: 12.5, pickup: '2024-05-01T10:00:00Z' }),
    })
    const tips = {
      ...TRIPS,
      mappings: { properties: { ...TRIPS.mappings!.properties, tip: { type: 'double' } } },
    }
    await handler(event('Update', endpoint, cfn.url, [tips, { name: 'zones' }]))
    expect(cfn.replies.map((r) => [r.Status, r.Data])).toEqual([
      ['SUCCESS', { Created: 'trips' }],
      ['SUCCESS', { Created: 'zones' }],
    ])
    expect(await mappingOf(endpoint, 'trips')).toMatchObject({ properties: { tip: { type: 'double' } } })
    const doc = (await (await fetch(`${endpoint}/trips/_doc/1`)).json()) as { _source: unknown }
    expect(doc._source).toEqual({ zone: 'Midtown', fare: 12.5, pickup: '2024-05-01T10:00:00Z' })
  })

  it('replies FAILED naming the index when OpenSearch refuses a changed field type', async () => {
    const { endpoint } = await opensearch()
    const cfn = await cloudFormation()
    await handler(event('Create', endpoint, cfn.url, [TRIPS]))
    const changed = { name: 'trips', mappings: { properties: { zone: { type: 'long' } } } }
    await handler(event('Update', endpoint, cfn.url, [changed]))
    expect(cfn.replies[1]).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'indexindexes-indexes' })
    expect(cfn.replies[1]!.Reason).toMatch(/^index trips: OpenSearch answered 400: .*zone/)
  })

  it('leaves the indexes on Delete (they are data; they go with the domain)', async () => {
    const { endpoint } = await opensearch()
    const cfn = await cloudFormation()
    await handler(event('Create', endpoint, cfn.url, [TRIPS]))
    await handler(event('Delete', endpoint, cfn.url, [TRIPS]))
    expect(cfn.replies[1]).toMatchObject({ Status: 'SUCCESS', Data: { Created: '' } })
    expect((await fetch(`${endpoint}/trips`, { method: 'HEAD' })).status).toBe(200)
  })

  it('gives up on a domain that does not answer in time to reply FAILED before the function times out', async () => {
    const cfn = await cloudFormation()
    // Accepts the connection, never answers.
    const silent = createServer(() => {})
    servers.push(silent)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    // 10.3 s left: 10 s are kept for the reply, so OpenSearch gets 0.3 s.
    await handler(event('Create', endpoint, cfn.url, [TRIPS]), { getRemainingTimeInMillis: () => 10_300 })
    expect(cfn.replies).toEqual([
      expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/abort|timeout/i) }),
    ])
    silent.closeAllConnections()
  })

  it('replies FAILED (never throws) when the domain cannot be reached', async () => {
    const cfn = await cloudFormation()
    await handler(event('Create', 'http://127.0.0.1:9/_opensearch', cfn.url, [TRIPS]))
    expect(cfn.replies).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.any(String) })])
  })
})
