/**
 * The OpenSearch API under --auth: as an OpenSearch Service domain with an IAM access policy, it
 * serves only SigV4-signed requests (scoped to `es` or `aoss`) by a known key; the OpenSearch JS
 * client with its AwsSigv4Signer is what a function deployed to AWS uses.
 */
import { Client } from '@opensearch-project/opensearch'
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { PipelineServices } from '../../../src/api/pipeline-services.ts'
import { TributaryServer } from '../../../src/api/server.ts'
import { SearchIndexesToken } from '../../../src/search/tokens.ts'
import { startPipeline } from '../../../src/testing/index.ts'

const PIPELINE = {
  name: 'search-auth',
  searchIndexes: { trips: { mappings: { properties: { zone: { type: 'keyword' } } } } },
}

async function served() {
  const p = await startPipeline(PIPELINE as never, { teardown: onTestFinished })
  const pipeline = {
    searchIndexes: () => p.runtime.offered(SearchIndexesToken)!,
  } as unknown as PipelineServices
  const server = await TributaryServer.start({
    engine: p.runtime.engine,
    port: 0,
    pipeline,
    auth: { keys: new Map([['AKIDEXAMPLE', 'secret']]) },
  })
  onTestFinished(() => server.close())
  return { p, node: `${server.url}/_opensearch` }
}

function signed(node: string, service: 'es' | 'aoss', secretAccessKey = 'secret') {
  const client = new Client({
    ...AwsSigv4Signer({
      region: 'us-east-1',
      service,
      getCredentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey }),
    }),
    node,
  })
  onTestFinished(() => client.close())
  return client
}

describe('the OpenSearch API under --auth', () => {
  it('serves requests signed for es or aoss, with the path and body signed as the client sends them', async () => {
    const { node } = await served()
    const client = signed(node, 'es')
    await client.index({ index: 'trips', id: 'a b/1', body: { zone: 'Midtown' }, refresh: true })
    await client.bulk({ body: [{ index: { _index: 'trips', _id: 't2' } }, { zone: 'SoHo' }], refresh: true })
    const found = await signed(node, 'aoss').search({
      index: 'trips',
      body: { query: { term: { zone: 'Midtown' } } },
    })
    expect(found.body.hits.hits.map((h) => h._id)).toEqual(['a b/1'])
    expect((await client.count({ index: 'trips' })).body.count).toBe(2)
  })

  it('refuses anonymous requests, a wrong secret and another service scope with 403, storing nothing', async () => {
    const { node } = await served()
    const anonymous = await fetch(`${node}/trips/_doc/x`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"zone":"Harlem"}',
    })
    expect(anonymous.status).toBe(403)
    expect(await anonymous.json()).toEqual({
      Message: 'User: anonymous is not authorized to perform: es:ESHttpPut',
    })
    const wrong = await signed(node, 'es', 'other')
      .index({ index: 'trips', id: 'y', body: { zone: 'Harlem' } })
      .catch((e: { meta: { statusCode: number; body: { message: string } } }) => e.meta)
    expect(wrong).toMatchObject({
      statusCode: 403,
      body: { message: expect.stringMatching(/signature we calculated/) },
    })
    const otherScope = await new Client({
      ...AwsSigv4Signer({
        region: 'us-east-1',
        service: 's3' as 'es',
        getCredentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      }),
      node,
    })
      .index({ index: 'trips', id: 'z', body: { zone: 'Harlem' } })
      .catch((e: { meta: { statusCode: number } }) => e.meta)
    expect(otherScope).toMatchObject({ statusCode: 403 })
    const count = await signed(node, 'es').count({ index: 'trips' })
    expect(count.body.count).toBe(0)
  })
})
