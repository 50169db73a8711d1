/** The OpenSearch API over plain HTTP: routing beside S3 and the AWS APIs, and OpenSearch's error shapes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'

let p: TestPipeline
let base: string

beforeAll(async () => {
  p = await startPipeline(
    { name: 'search-http', buckets: { lake: {} }, searchIndexes: { trips: {} } } as never,
    { serve: true },
  )
  base = `${p.endpoint}/_opensearch`
})
afterAll(() => p?.dispose())

async function call(method: string, path: string, body?: string, type = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': type },
    ...(body === undefined ? {} : { body }),
  })
  const text = await res.text()
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: text === '' ? undefined : JSON.parse(text),
  }
}

describe('the OpenSearch API over HTTP', () => {
  it('answers a missing index with index_not_found_exception, as OpenSearch does', async () => {
    expect(await call('GET', '/nope/_search')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "index": "nope",
            "index_uuid": "_na_",
            "reason": "no such index [nope]",
            "resource.id": "nope",
            "resource.type": "index_or_alias",
            "root_cause": [
              {
                "index": "nope",
                "index_uuid": "_na_",
                "reason": "no such index [nope]",
                "resource.id": "nope",
                "resource.type": "index_or_alias",
                "type": "index_not_found_exception",
              },
            ],
            "type": "index_not_found_exception",
          },
          "status": 404,
        },
        "status": 404,
        "type": "application/json; charset=UTF-8",
      }
    `)
    expect((await call('HEAD', '/nope')).status).toBe(404)
    expect((await call('HEAD', '/trips')).status).toBe(200)
  })

  it.each([
    [
      'an existing index',
      'PUT',
      '/trips',
      undefined,
      400,
      'resource_already_exists_exception',
      'index [trips/_na_] already exists',
    ],
    [
      'an upper-case index name',
      'PUT',
      '/Trips',
      undefined,
      400,
      'invalid_index_name_exception',
      'Invalid index name [Trips], must be lowercase',
    ],
    [
      'an unknown query',
      'POST',
      '/trips/_search',
      '{"query":{"fuzzy_magic":{}}}',
      400,
      'parsing_exception',
      'unknown query [fuzzy_magic]',
    ],
    [
      'a body that is not JSON',
      'POST',
      '/trips/_search',
      '{"query":',
      400,
      'parsing_exception',
      expect.stringContaining('Failed to parse request body'),
    ],
    [
      'an unknown body key',
      'POST',
      '/trips/_search',
      '{"qurey":{}}',
      400,
      'parsing_exception',
      'Unknown key for a START_OBJECT in [qurey].',
    ],
    [
      'a bulk body without its final newline',
      'POST',
      '/_bulk',
      '{"index":{"_index":"trips"}}\n{}',
      400,
      'illegal_argument_exception',
      'The bulk request must be terminated by a newline [\\n]',
    ],
    [
      'an unknown bulk action',
      'POST',
      '/_bulk',
      '{"upsert":{"_index":"trips"}}\n{}\n',
      400,
      'illegal_argument_exception',
      'Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]',
    ],
    [
      'a wrong method',
      'PATCH',
      '/trips',
      undefined,
      405,
      'method_not_allowed',
      'Incorrect HTTP method for uri [/_opensearch/trips] and method [PATCH], allowed: [PUT, DELETE, HEAD, GET]',
    ],
    [
      'an unknown endpoint',
      'GET',
      '/trips/_frobnicate',
      undefined,
      400,
      'illegal_argument_exception',
      'no handler found for uri [/_opensearch/trips/_frobnicate] and method [GET]',
    ],
    [
      'an update of a missing document',
      'POST',
      '/trips/_update/zz',
      '{"doc":{"a":1}}',
      404,
      'document_missing_exception',
      '[zz]: document missing',
    ],
  ])('refuses %s', async (_what, method, path, body, status, type, reason) => {
    const r = await call(
      method,
      path,
      body,
      path.includes('_bulk') ? 'application/x-ndjson' : 'application/json',
    )
    expect(r.status).toBe(status)
    expect(r.body).toMatchObject({ status, error: { type, reason, root_cause: [{ type, reason }] } })
  })

  it('reports each _bulk item with its own status and error', async () => {
    const body = [
      '{"index":{"_index":"trips","_id":"1"}}',
      '{"fare":10}',
      '{"create":{"_index":"trips","_id":"1"}}',
      '{"fare":11}',
      '{"index":{"_index":"trips","_id":"2"}}',
      '{"fare":"ten"}',
      '{"update":{"_index":"trips","_id":"1"}}',
      '{"doc":{"tip":2}}',
      '{"delete":{"_index":"trips","_id":"404"}}',
      '',
    ].join('\n')
    const r = await call('POST', '/_bulk', body, 'application/x-ndjson')
    expect(r.status).toBe(200)
    expect(r.body.errors).toBe(true)
    expect(
      r.body.items.map((i: Record<string, { status: number; result?: string; error?: { type: string } }>) => {
        const [action, item] = Object.entries(i)[0]!
        return [action, item.status, item.result ?? item.error?.type]
      }),
    ).toEqual([
      ['index', 201, 'created'],
      ['create', 409, 'version_conflict_engine_exception'],
      ['index', 400, 'mapper_parsing_exception'],
      ['update', 200, 'updated'],
      ['delete', 404, 'not_found'],
    ])
    expect((await call('GET', '/trips/_doc/1')).body._source).toEqual({ fare: 10, tip: 2 })
  })

  it('keeps a _bulk source as sent (spacing and all), and an update that changes nothing is a noop', async () => {
    const body = [
      '{"index":{"_index":"trips","_id":"raw"}}',
      '{ "fare" : 10.50 , "zone" : "zone-\\u0031",  "tags": [ "a" ] }\r',
      '{"update":{"_index":"trips","_id":"raw"}}',
      '{"doc":{"fare":10.5}}',
      '',
    ].join('\n')
    const r = await call('POST', '/_bulk', body, 'application/x-ndjson')
    expect(r.body.errors).toBe(false)
    expect(r.body.items.map((i: Record<string, { result: string }>) => Object.values(i)[0]!.result)).toEqual([
      'created',
      'noop',
    ])
    expect((await call('GET', '/trips/_doc/raw')).body._source).toEqual({
      fare: 10.5,
      zone: 'zone-1',
      tags: ['a'],
    })
    const hits = await call(
      'POST',
      '/trips/_search',
      JSON.stringify({ query: { term: { 'zone.keyword': 'zone-1' } } }),
    )
    expect(hits.body.hits.hits.map((h: { _id: string }) => h._id)).toEqual(['raw'])
  })

  it('leaves S3 and the AWS JSON APIs where they were', async () => {
    const s3 = await fetch(`${p.endpoint}/lake?list-type=2`)
    expect(s3.status).toBe(200)
    expect(await s3.text()).toContain('<ListBucketResult')
    expect((await call('GET', '/')).body.version.distribution).toBe('opensearch')
  })
})
