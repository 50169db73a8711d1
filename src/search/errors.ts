/**
 * An error as OpenSearch (and Elasticsearch 7) reports it: an exception `type` in snake case, a
 * `reason`, the HTTP `status`, and the extra fields ES puts beside them (`index`, `resource.id`).
 * The REST API renders it as `{"error":{"root_cause":[...],"type":...,"reason":...},"status":N}`;
 * `_bulk` puts it in the failed item.
 */
export class SearchError extends Error {
  override readonly name = 'SearchError'
  constructor(
    readonly type: string,
    readonly reason: string,
    readonly status: number,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(reason)
  }

  /** The `error` object of a reply (and of a failed `_bulk` item), as OpenSearch shapes it. */
  toJSON(): Record<string, unknown> {
    return { type: this.type, reason: this.reason, ...this.extra }
  }
}

const indexFields = (index: string) => ({ index, index_uuid: '_na_' })

export function indexNotFound(index: string): SearchError {
  return new SearchError('index_not_found_exception', `no such index [${index}]`, 404, {
    'resource.type': 'index_or_alias',
    'resource.id': index,
    ...indexFields(index),
  })
}

export function indexExists(index: string): SearchError {
  return new SearchError('resource_already_exists_exception', `index [${index}/_na_] already exists`, 400, {
    ...indexFields(index),
  })
}

/** ES's rules for index names (MetadataCreateIndexService.validateIndexOrAliasName). */
export function checkIndexName(index: string): void {
  const invalid = (why: string) =>
    new SearchError('invalid_index_name_exception', `Invalid index name [${index}], ${why}`, 400, {
      ...indexFields(index),
    })
  if (index === '' || index === '.' || index === '..') throw invalid('must not be empty, . or ..')
  if (index !== index.toLowerCase()) throw invalid('must be lowercase')
  if (/[\\/*?"<>| ,#:]/.test(index))
    throw invalid('must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]')
  if (/^[_\-+]/.test(index)) throw invalid("must not start with '_', '-', or '+'")
  if (Buffer.byteLength(index) > 255) throw invalid('index name is too long, (> 255)')
}

export function parsingError(reason: string, extra: Record<string, unknown> = {}): SearchError {
  return new SearchError('parsing_exception', reason, 400, extra)
}

export function illegalArgument(reason: string): SearchError {
  return new SearchError('illegal_argument_exception', reason, 400)
}

export function mapperParsing(reason: string): SearchError {
  return new SearchError('mapper_parsing_exception', reason, 400)
}

export function documentMissing(index: string, id: string): SearchError {
  return new SearchError('document_missing_exception', `[${id}]: document missing`, 404, {
    index_uuid: '_na_',
    shard: '0',
    index,
  })
}

export function versionConflict(index: string, id: string, version: number): SearchError {
  return new SearchError(
    'version_conflict_engine_exception',
    `[${id}]: version conflict, document already exists (current version [${version}])`,
    409,
    { index_uuid: '_na_', shard: '0', index },
  )
}

/** OpenSearch's refusal to sort or aggregate on a text field. */
export function fielddataDisabled(field: string): SearchError {
  return new SearchError(
    'illegal_argument_exception',
    `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`,
    400,
  )
}
