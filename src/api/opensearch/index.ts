/**
 * The OpenSearch REST API (the subset clients and Flink's elasticsearch-7 connector use) over the
 * pipeline's search indexes, under {@link OPENSEARCH_PREFIX} on the AWS APIs' port: index
 * admin, `_bulk`, the document API, `_search`, `_count`, `_mapping`, `_refresh`, `_cat/indices`.
 * Errors are OpenSearch's `{"error":{"root_cause":[...],"type":...,"reason":...},"status":N}`.
 */

import { parsingError, SearchError } from '../../search/errors.ts'
import type { SearchIndexes } from '../../search/indexes.ts'
import { countIndex, searchIndex } from '../../search/search.ts'
import { verifySigV4 } from '../auth/sigv4.ts'
import type { AwsRequest, AwsResponse } from '../dispatch.ts'
import { PipelineRebuildingError } from '../pipeline-services.ts'
import { parseBulk, runBulk, writeReply } from './bulk.ts'
import { searchBody, searchMany } from './search-request.ts'

/** A JSON reply (none for HEAD or an empty body), pretty-printed with `?pretty`. */
function json(status: number, body: unknown, pretty: boolean, method: string): AwsResponse {
  const text = method === 'HEAD' || body === undefined ? '' : JSON.stringify(body, null, pretty ? 2 : 0)
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': String(Buffer.byteLength(text)),
    },
    body: Buffer.from(text),
  }
}

function headerOf(req: AwsRequest, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** `GET` → `Get`, as the es:ESHttp* actions spell the verb. */
const httpVerb = (method: string) => method.charAt(0) + method.slice(1).toLowerCase()

/** Where the API is served: `http://127.0.0.1:4567/_opensearch` is a client's node URL. */
export const OPENSEARCH_PREFIX = '/_opensearch'

/** The version reported by `GET /`: an OpenSearch 2 the maintained clients accept. */
export const OPENSEARCH_VERSION = '2.11.0'

/** Whether a request's path is the OpenSearch API's (S3 bucket names never start with `_`). */
export function isOpenSearchPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!
  return path === OPENSEARCH_PREFIX || path.startsWith(`${OPENSEARCH_PREFIX}/`)
}

interface Call {
  method: string
  /** Path segments after the prefix, URI-decoded. */
  parts: string[]
  params: URLSearchParams
  body: Buffer
  indexes: SearchIndexes
  now: number
}

type Handler = (call: Call) => Promise<Reply> | Reply
interface Reply {
  status?: number
  body?: unknown
}

export interface OpenSearchApiOptions {
  /** The current build's indexes (throws PipelineRebuildingError during a rebuild). */
  indexes: () => SearchIndexes
  now: () => number
  clusterName: string
  /** With `--auth`: only SigV4-signed requests (scoped to `es` or `aoss`) by a known key are served. */
  auth?: { keys: ReadonlyMap<string, string> }
}

/** The signing names of OpenSearch Service domains (`es`) and OpenSearch Serverless (`aoss`). */
const SIGNING_NAMES = new Set(['es', 'aoss'])

export class OpenSearchApi {
  readonly #options: OpenSearchApiOptions

  constructor(options: OpenSearchApiOptions) {
    this.#options = options
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const url = new URL(req.url, 'http://localhost')
    const method = req.method.toUpperCase()
    const denied = this.#authenticate(req, method)
    if (denied) return json(403, denied, url.searchParams.has('pretty'), method)
    let reply: Reply
    try {
      const rest = url.pathname.slice(OPENSEARCH_PREFIX.length)
      const parts = rest
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent)
      const handler = this.#route(method, parts, url.pathname)
      reply = await handler({
        method,
        parts,
        params: url.searchParams,
        body: req.body,
        indexes: this.#options.indexes(),
        now: this.#options.now(),
      })
    } catch (error) {
      const e = toSearchError(error)
      reply = {
        status: e.status,
        body: { error: { root_cause: [e.toJSON()], ...e.toJSON() }, status: e.status },
      }
    }
    return json(reply.status ?? 200, reply.body, url.searchParams.has('pretty'), method)
  }

  /**
   * Under `--auth`, what an OpenSearch Service domain with an IAM access policy answers a request
   * it does not accept (403 with `message`, as its front end words it), or undefined to serve it.
   */
  #authenticate(req: AwsRequest, method: string): Record<string, string> | undefined {
    const auth = this.#options.auth
    if (!auth) return undefined
    if (headerOf(req, 'authorization') === undefined && !req.url.includes('X-Amz-Signature='))
      return { Message: `User: anonymous is not authorized to perform: es:ESHttp${httpVerb(method)}` }
    const result = verifySigV4(req, {
      lookupSecret: (id) => auth.keys.get(id),
      now: this.#options.now(),
      maxFutureMs: 15 * 60_000,
      maxPastMs: 5 * 60_000,
    })
    if (!result.ok) return { message: result.message }
    if (!SIGNING_NAMES.has(result.service ?? ''))
      return { message: `Credential should be scoped to correct service: 'es'. ` }
    return undefined
  }

  #route(method: string, parts: string[], path: string): Handler {
    const [first, second, third] = parts
    const allowed = (table: Record<string, Handler>): Handler => {
      const handler = table[method]
      if (handler) return handler
      throw new SearchError(
        'method_not_allowed',
        `Incorrect HTTP method for uri [${path}] and method [${method}], allowed: [${Object.keys(table).join(', ')}]`,
        405,
      )
    }
    if (parts.length === 0) return allowed({ GET: (c) => this.#info(c), HEAD: () => ({}) })
    if (first === '_cluster' && second === 'health') return allowed({ GET: health })
    if (first === '_cat' && second === 'indices') return allowed({ GET: catIndices(third) })
    if (first!.startsWith('_') && parts.length === 1)
      return allowed(ROOT_ENDPOINTS[first!] ?? unknownEndpoint(method, path))
    if (first!.startsWith('_')) throw noHandler(method, path)
    const index = first!
    if (parts.length === 1)
      return allowed({
        PUT: createIndex(index),
        DELETE: deleteIndex(index),
        HEAD: headIndex(index),
        GET: getIndex(index),
      })
    const endpoint = INDEX_ENDPOINTS[second!]
    if (parts.length === 2 && endpoint) return allowed(endpoint(index))
    const doc = DOC_ENDPOINTS[second!]
    if (doc && parts.length === 3) return allowed(doc(index, third!))
    if (second === '_doc' && parts.length === 2) return allowed({ POST: putDoc(index, undefined, 'index') })
    throw noHandler(method, path)
  }

  #info(call: Call): Reply {
    return {
      body: {
        name: 'tributary',
        cluster_name: this.#options.clusterName,
        cluster_uuid: 'tributary-local',
        version: {
          distribution: 'opensearch',
          number: OPENSEARCH_VERSION,
          build_type: 'tar',
          build_hash: 'tributary',
          build_date: new Date(0).toISOString(),
          build_snapshot: false,
          lucene_version: '9.7.0',
          minimum_wire_compatibility_version: '7.10.0',
          minimum_index_compatibility_version: '7.0.0',
        },
        tagline: 'The OpenSearch Project: https://opensearch.org/',
      },
      ...(call.method === 'HEAD' ? { body: undefined } : {}),
    }
  }
}

function noHandler(method: string, path: string): SearchError {
  // OpenSearch answers an unknown endpoint with a plain string as `error`; the typed shape is kept here.
  return new SearchError(
    'illegal_argument_exception',
    `no handler found for uri [${path}] and method [${method}]`,
    400,
  )
}

function unknownEndpoint(method: string, path: string): Record<string, Handler> {
  throw noHandler(method, path)
}

function toSearchError(error: unknown): SearchError {
  if (error instanceof SearchError) return error
  if (error instanceof PipelineRebuildingError)
    return new SearchError('cluster_block_exception', 'the pipeline is being rebuilt; try again', 503)
  if (error instanceof URIError)
    return new SearchError('illegal_argument_exception', 'invalid URI encoding', 400)
  throw error
}

/** A JSON body (empty: `{}`), or the `source` parameter GET requests may carry it in. */
export function jsonBody(call: Call): Record<string, unknown> {
  const text = call.body.length > 0 ? call.body.toString('utf8') : (call.params.get('source') ?? '')
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw parsingError(`Failed to parse request body: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw parsingError('request body must be a JSON object')
  return parsed as Record<string, unknown>
}

function health(call: Call): Reply {
  const n = call.indexes.names().length
  return {
    body: {
      cluster_name: 'tributary',
      status: 'green',
      timed_out: false,
      number_of_nodes: 1,
      number_of_data_nodes: 1,
      active_primary_shards: n,
      active_shards: n,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: 0,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
      active_shards_percent_as_number: 100,
    },
  }
}

function catIndices(expression: string | undefined): Handler {
  return (call) => {
    const rows = (
      expression ? call.indexes.resolve(expression) : call.indexes.names().map((n) => call.indexes.get(n))
    ).map((index) => ({
      health: 'green',
      status: 'open',
      index: index.name,
      uuid: index.uuid,
      pri: '1',
      rep: '0',
      'docs.count': String(index.docCount()),
      'docs.deleted': '0',
      'store.size': `${index.sizeBytes()}b`,
      'pri.store.size': `${index.sizeBytes()}b`,
    }))
    if (call.params.get('format') === 'json') return { body: rows }
    // The text table is returned as a JSON string here only for `format=json`-less clients' sake.
    return { body: rows.map((r) => Object.values(r).join(' ')).join('\n') }
  }
}

const refresh: Handler = (call) => {
  const n =
    call.parts.length > 1 || !call.parts[0]?.startsWith('_')
      ? call.indexes.resolve(call.parts[0]!).length
      : call.indexes.names().length
  return { body: { _shards: { total: n, successful: n, failed: 0 } } }
}

function mappingsOf(indexes: SearchIndexes, expression: string | undefined): Reply {
  const list = expression ? indexes.resolve(expression) : indexes.names().map((n) => indexes.get(n))
  return { body: Object.fromEntries(list.map((i) => [i.name, { mappings: i.mapping }])) }
}

const bulk =
  (index: string | undefined): Handler =>
  async (call) => ({ body: await runBulk(call.indexes, parseBulk(call.body.toString('utf8'), index)) })

const search =
  (expression: string | undefined): Handler =>
  (call) => {
    const body = searchBody(jsonBody(call), call.params)
    const targets = call.indexes.resolve(expression ?? '_all')
    if (targets.length === 1) return { body: searchIndex(targets[0]!, body, call.now) }
    return { body: searchMany(targets, body, call.now) }
  }

const count =
  (expression: string | undefined): Handler =>
  (call) => {
    const body = jsonBody(call)
    const query = body.query ?? (call.params.has('q') ? searchBody({}, call.params).query : undefined)
    const targets = call.indexes.resolve(expression ?? '_all')
    const n = targets.reduce((sum, index) => sum + countIndex(index, query, call.now), 0)
    return {
      body: {
        count: n,
        _shards: { total: targets.length, successful: targets.length, skipped: 0, failed: 0 },
      },
    }
  }

const ROOT_ENDPOINTS: Record<string, Record<string, Handler>> = {
  _bulk: { POST: bulk(undefined), PUT: bulk(undefined) },
  _search: { GET: search(undefined), POST: search(undefined) },
  _count: { GET: count(undefined), POST: count(undefined) },
  _refresh: { GET: refresh, POST: refresh },
  _flush: { GET: refresh, POST: refresh },
  _mapping: { GET: (c) => mappingsOf(c.indexes, undefined) },
}

const INDEX_ENDPOINTS: Record<string, (index: string) => Record<string, Handler>> = {
  _bulk: (index) => ({ POST: bulk(index), PUT: bulk(index) }),
  _search: (index) => ({ GET: search(index), POST: search(index) }),
  _count: (index) => ({ GET: count(index), POST: count(index) }),
  _refresh: () => ({ GET: refresh, POST: refresh }),
  _flush: () => ({ GET: refresh, POST: refresh }),
  _mapping: (index) => ({
    GET: (c) => mappingsOf(c.indexes, index),
    PUT: (c) => putMapping(c, index),
    POST: (c) => putMapping(c, index),
  }),
}

function putMapping(call: Call, index: string): Reply {
  const body = jsonBody(call)
  call.indexes.get(index).putMapping(body as never)
  return { body: { acknowledged: true } }
}

const createIndex =
  (index: string): Handler =>
  async (call) => {
    const body = jsonBody(call)
    const created = call.indexes.create(index, (body.mappings as never) ?? undefined)
    await created.durable()
    return { body: { acknowledged: true, shards_acknowledged: true, index } }
  }

const deleteIndex =
  (index: string): Handler =>
  (call) => {
    for (const target of call.indexes.resolve(index)) call.indexes.delete(target.name)
    return { body: { acknowledged: true } }
  }

const headIndex =
  (index: string): Handler =>
  (call) => ({ status: call.indexes.has(index) ? 200 : 404 })

const getIndex =
  (index: string): Handler =>
  (call) => ({
    body: Object.fromEntries(
      call.indexes.resolve(index).map((i) => [
        i.name,
        {
          aliases: {},
          mappings: i.mapping,
          settings: {
            index: {
              creation_date: String(i.createdAt),
              number_of_shards: '1',
              number_of_replicas: '0',
              uuid: i.uuid,
              version: { created: '136327827' },
              provided_name: i.name,
            },
          },
        },
      ]),
    ),
  })

function putDoc(index: string, id: string | undefined, op: 'index' | 'create'): Handler {
  return async (call) => {
    const target = call.indexes.getOrCreate(index)
    const opType = call.params.get('op_type') === 'create' ? 'create' : op
    const [outcome] = target.write([{ op: opType, id, source: jsonBody(call) }])
    await target.durable()
    return docReply(index, outcome!)
  }
}

function docReply(index: string, outcome: Parameters<typeof writeReply>[1]): Reply {
  if (!outcome.ok) throw outcome.error
  const { status, ...body } = writeReply(index, outcome)
  return { status: status as number, body }
}

const DOC_ENDPOINTS: Record<string, (index: string, id: string) => Record<string, Handler>> = {
  _doc: (index, id) => ({
    PUT: putDoc(index, id, 'index'),
    POST: putDoc(index, id, 'index'),
    GET: (c) => getDoc(c, index, id, false),
    HEAD: (c) => getDoc(c, index, id, false),
    DELETE: async (c) => {
      const target = c.indexes.get(index)
      const [outcome] = target.write([{ op: 'delete', id }])
      await target.durable()
      return docReply(index, outcome!)
    },
  }),
  _create: (index, id) => ({ PUT: putDoc(index, id, 'create'), POST: putDoc(index, id, 'create') }),
  _source: (index, id) => ({
    GET: (c) => getDoc(c, index, id, true),
    HEAD: (c) => getDoc(c, index, id, true),
  }),
  _update: (index, id) => ({
    POST: async (c) => {
      const body = jsonBody(c)
      if (body.script !== undefined)
        throw new SearchError(
          'illegal_argument_exception',
          'script updates are not supported by this OpenSearch API (use doc)',
          400,
        )
      const target =
        body.upsert !== undefined || body.doc_as_upsert === true
          ? c.indexes.getOrCreate(index)
          : c.indexes.get(index)
      const [outcome] = target.write([
        {
          op: 'update',
          id,
          doc: body.doc as Record<string, unknown> | undefined,
          upsert: body.upsert as Record<string, unknown> | undefined,
          docAsUpsert: body.doc_as_upsert === true,
          detectNoop: body.detect_noop !== false,
        },
      ])
      await target.durable()
      return docReply(index, outcome!)
    },
  }),
}

function getDoc(call: Call, index: string, id: string, sourceOnly: boolean): Reply {
  const doc = call.indexes.get(index).get(id)
  if (!doc) {
    if (sourceOnly)
      throw new SearchError('resource_not_found_exception', `Document not found [${index}]/[${id}]`, 404)
    return { status: 404, body: { _index: index, _id: id, found: false } }
  }
  const source = JSON.parse(doc.source) as unknown
  if (sourceOnly) return { body: source }
  return {
    body: {
      _index: index,
      _id: id,
      _version: doc.version,
      _seq_no: doc.seqNo,
      _primary_term: 1,
      found: true,
      _source: source,
    },
  }
}
