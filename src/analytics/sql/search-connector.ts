import { SqlError, type Token } from './lexer.ts'

/** Flink's `elasticsearch-7` / `elasticsearch-6` / `opensearch` sink: a pipeline search index. */
export interface SearchIndexConnector {
  kind: 'index'
  index: string
  /** `hosts` as written: locally the pipeline's own index is written, whatever it names. */
  hosts: string
  /** Joins the primary key's fields into the document id (`document-id.key-delimiter`, default `_`). */
  keyDelimiter: string
  /** `json.timestamp-format.standard`: `2026-01-01 10:00:00.000` (SQL) or `2026-01-01T10:00:00.000`. */
  timestamps: 'SQL' | 'ISO-8601'
}

/**
 * Options Flink's connectors take that change nothing here: credentials and connection settings
 * (the index is local), bulk flushing (a micro-batch's rows go in one durable write) and the
 * delivery guarantee (upserts by id are exactly once in effect, see docs/analytics.md).
 */
const NO_EFFECT = [
  'username',
  'password',
  'connection.path-prefix',
  'connection.request-timeout',
  'connection.timeout',
  'socket.timeout',
  'sink.delivery-guarantee',
  'sink.flush-on-checkpoint',
  'sink.bulk-flush.max-actions',
  'sink.bulk-flush.max-size',
  'sink.bulk-flush.interval',
  'sink.bulk-flush.backoff.strategy',
  'sink.bulk-flush.backoff.max-retries',
  'sink.bulk-flush.backoff.delay',
  'sink.parallelism',
]

/** The spec of one of the search-index connectors (`extra`: options only that one takes). */
export function searchIndexConnector(
  name: string,
  extra: string[],
): { options: string[]; make(o: Record<string, string>, at: Token): SearchIndexConnector } {
  return {
    options: [
      'hosts',
      'index',
      'document-id.key-delimiter',
      'failure-handler',
      'format',
      'json.timestamp-format.standard',
      ...extra,
      ...NO_EFFECT,
    ],
    make(o, at) {
      const fail = (message: string, hint?: string): never => {
        throw new SqlError(message, at.line, at.column, hint)
      }
      if (!o.hosts) fail(`the ${name} connector needs 'hosts'`, "e.g. 'hosts' = 'http://127.0.0.1:4567'")
      for (const host of o.hosts!.split(';')) checkHost(host.trim(), fail)
      const index = o.index
      if (!index) fail(`the ${name} connector needs 'index'`, 'the name of a declared search index')
      if (index!.includes('{'))
        fail(
          `dynamic index '${index}' is not supported`,
          'write to one declared search index; its time field and range queries separate the days',
        )
      if (name === 'elasticsearch-6' && !o['document-type'])
        fail("the elasticsearch-6 connector needs 'document-type'")
      const handler = o['failure-handler'] ?? 'fail'
      if (handler !== 'fail')
        fail(
          `'failure-handler' = '${handler}' is not supported`,
          "a refused document stops the job ('fail'), so nothing is dropped unseen",
        )
      const format = o.format ?? 'json'
      if (format !== 'json') fail(`format '${format}' is not supported by the ${name} connector (json)`)
      const timestamps = (o['json.timestamp-format.standard'] ?? 'SQL').toUpperCase()
      if (timestamps !== 'SQL' && timestamps !== 'ISO-8601')
        fail(`'json.timestamp-format.standard' = '${timestamps}' is not supported (SQL or ISO-8601)`)
      return {
        kind: 'index',
        index: index!,
        hosts: o.hosts!,
        keyDelimiter: o['document-id.key-delimiter'] ?? '_',
        timestamps: timestamps as 'SQL' | 'ISO-8601',
      }
    },
  }
}

/** Flink takes `http(s)://host:port` and nothing else (a path goes in `connection.path-prefix`). */
function checkHost(host: string, fail: (message: string, hint?: string) => never): void {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:]+):(\d+)(\/.*)?$/.exec(host)
  if (!m)
    fail(
      `Could not parse host '${host}' in option 'hosts'. It should follow the format 'http://host_name:port'.`,
    )
  if (m![4] !== undefined && m![4] !== '/')
    fail(
      `host '${host}' in option 'hosts' has a path`,
      `put it in 'connection.path-prefix' = '${m![4]}' (the local index is written without HTTP anyway)`,
    )
}

/** Whether `hosts` names this machine only (a remote cluster is not written: the local index is). */
export function loopbackHosts(hosts: string): boolean {
  return hosts
    .split(';')
    .every((h) => /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\]):\d+\/?$/.test(h.trim()))
}
