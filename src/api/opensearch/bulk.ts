import { illegalArgument, mapperParsing, SearchError } from '../../search/errors.ts'
import type { WriteOp, WriteOutcome } from '../../search/index-store.ts'
import type { SearchIndexes } from '../../search/indexes.ts'

const ACTIONS = new Set(['index', 'create', 'update', 'delete'])

/** One action of a `_bulk` body, or the error its lines earned (reported as its item). */
interface BulkAction {
  action: string
  index: string | undefined
  id: string | undefined
  op: WriteOp | undefined
  error?: SearchError
}

/**
 * Parses a `_bulk` body: NDJSON pairs of an action line (`{"index":{"_index":"trips","_id":"1"}}`)
 * and a source line (none for `delete`; `{"doc":{...},"doc_as_upsert":true}` for `update`). A
 * malformed action line fails the whole request, as in OpenSearch; a malformed source fails its item.
 */
export function parseBulk(body: string, defaultIndex: string | undefined): BulkAction[] {
  if (body.length > 0 && !body.endsWith('\n'))
    throw illegalArgument('The bulk request must be terminated by a newline [\\n]')
  const lines = body.split('\n')
  const out: BulkAction[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i++]!.trim()
    if (line === '') continue
    let meta: unknown
    try {
      meta = JSON.parse(line)
    } catch {
      throw illegalArgument(
        `Malformed action/metadata line [${i}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]`,
      )
    }
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
      throw illegalArgument(
        `Malformed action/metadata line [${i}], expected START_OBJECT but found [${Array.isArray(meta) ? 'START_ARRAY' : 'VALUE_STRING'}]`,
      )
    const [action, params] = Object.entries(meta as Record<string, unknown>)[0] ?? []
    if (action === undefined || !ACTIONS.has(action))
      throw illegalArgument(
        `Malformed action/metadata line [${i}], expected field [create], [delete], [index] or [update] but found [${action}]`,
      )
    const p = (params ?? {}) as Record<string, unknown>
    const index = typeof p._index === 'string' ? p._index : defaultIndex
    if (index === undefined)
      throw new SearchError(
        'action_request_validation_exception',
        'Validation Failed: 1: index is missing;',
        400,
      )
    const id = p._id === undefined || p._id === null ? undefined : String(p._id)
    if (action === 'delete') {
      if (id === undefined)
        throw new SearchError(
          'action_request_validation_exception',
          'Validation Failed: 1: id is missing;',
          400,
        )
      out.push({ action, index, id, op: { op: 'delete', id } })
      continue
    }
    const sourceLine = lines[i++]
    if (sourceLine === undefined || sourceLine.trim() === '')
      throw illegalArgument(`The bulk request must be terminated by a newline [\\n]`)
    let source: unknown
    try {
      source = JSON.parse(sourceLine)
    } catch (error) {
      out.push({
        action,
        index,
        id,
        op: undefined,
        error: mapperParsing(`failed to parse: ${(error as Error).message}`),
      })
      continue
    }
    out.push({ action, index, id, ...sourceOp(action, id, source, sourceLine.trim()) })
  }
  return out
}

function sourceOp(
  action: string,
  id: string | undefined,
  source: unknown,
  text: string,
): { op: WriteOp | undefined; error?: SearchError } {
  if (source === null || typeof source !== 'object' || Array.isArray(source))
    return { op: undefined, error: mapperParsing('failed to parse, document is empty') }
  if (action === 'index' || action === 'create') {
    if (action === 'create' && id === undefined)
      return { op: { op: 'create', source: source as Record<string, unknown>, text } }
    return { op: { op: action, id, source: source as Record<string, unknown>, text } }
  }
  const u = source as Record<string, unknown>
  if (id === undefined)
    return {
      op: undefined,
      error: new SearchError(
        'action_request_validation_exception',
        'Validation Failed: 1: id is missing;',
        400,
      ),
    }
  if (u.script !== undefined)
    return {
      op: undefined,
      error: illegalArgument('script updates are not supported by this OpenSearch API (use doc)'),
    }
  if (u.doc === undefined && u.upsert === undefined)
    return {
      op: undefined,
      error: new SearchError(
        'action_request_validation_exception',
        'Validation Failed: 1: script or doc is missing;',
        400,
      ),
    }
  return {
    op: {
      op: 'update',
      id,
      doc: u.doc as Record<string, unknown> | undefined,
      upsert: u.upsert as Record<string, unknown> | undefined,
      docAsUpsert: u.doc_as_upsert === true,
      detectNoop: u.detect_noop !== false,
    },
  }
}

/** The `_shards` of a write: one primary, no replicas. */
export const WRITE_SHARDS = { total: 1, successful: 1, failed: 0 }

/** A write's reply (a `_bulk` item's body, or the document API's reply). */
export function writeReply(index: string, outcome: WriteOutcome): Record<string, unknown> {
  if (!outcome.ok) {
    return {
      _index: index,
      ...(outcome.id === undefined ? {} : { _id: outcome.id }),
      status: outcome.error.status,
      error: outcome.error.toJSON(),
    }
  }
  return {
    _index: index,
    _id: outcome.id,
    _version: outcome.version,
    result: outcome.result,
    _shards: outcome.result === 'noop' ? { total: 0, successful: 0, failed: 0 } : WRITE_SHARDS,
    _seq_no: outcome.seqNo,
    _primary_term: 1,
    status: outcome.status,
  }
}

/**
 * Runs a `_bulk` request: consecutive actions on one index in one transaction (indexes are
 * created on first write), then waits until every index written is durable. The reply lists an
 * item per action, in order, with its own status.
 */
export async function runBulk(
  indexes: SearchIndexes,
  actions: BulkAction[],
): Promise<Record<string, unknown>> {
  const started = performance.now()
  const items: Record<string, unknown>[] = new Array(actions.length)
  const touched = new Set<ReturnType<SearchIndexes['get']>>()
  let i = 0
  while (i < actions.length) {
    const name = actions[i]!.index!
    let end = i
    while (end < actions.length && actions[end]!.index === name) end++
    const run = actions.slice(i, end)
    let outcomes: WriteOutcome[]
    try {
      const index = run.some((a) => a.op?.op === 'index' || a.op?.op === 'create' || a.op?.op === 'update')
        ? indexes.getOrCreate(name)
        : indexes.get(name)
      const ops = run.flatMap((a) => (a.op ? [a.op] : []))
      const written = index.write(ops)
      touched.add(index)
      let next = 0
      outcomes = run.map((a) => (a.op ? written[next++]! : { ok: false, id: a.id, error: a.error! }))
    } catch (error) {
      if (!(error instanceof SearchError)) throw error
      outcomes = run.map((a) => ({ ok: false, id: a.id, error }))
    }
    run.forEach((a, k) => {
      items[i + k] = { [a.action]: writeReply(name, outcomes[k]!) }
    })
    i = end
  }
  await Promise.all([...touched].map((index) => index.durable()))
  const errors = items.some((item) => 'error' in (Object.values(item)[0] as object))
  return { took: Math.round(performance.now() - started), errors, items }
}
