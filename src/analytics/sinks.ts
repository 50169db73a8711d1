import { createHash } from 'node:crypto'
import type { StreamEngine } from '../engine/engine.ts'
import { putRecords } from '../engine/records.ts'
import type { BucketStore } from '../lake/buckets/bucket-store.ts'
import { SearchError } from '../search/errors.ts'
import type { SearchIndexes } from '../search/indexes.ts'
import type { QueueService } from '../services/queues/queue-service.ts'
import type { TableService } from '../services/tables/table-service.ts'
import type { TopicService } from '../services/topics/topic-service.ts'
import type { Emission } from './operator.ts'
import { indexDocuments } from './search-sink.ts'
import type { TableDef } from './sql/catalog.ts'

/** Where late records go, besides the count (the resource's `lateRecords`). */
export type LateTarget = { queue: string } | { bucket: string; prefix: string } | undefined

export interface SinkDeps {
  engine?: StreamEngine
  tables?: ReadonlyMap<string, TableService>
  buckets?: BucketStore
  topics?: TopicService
  queues?: QueueService
  indexes?: SearchIndexes
  /** The `print` connector's lines (the dev log, or the `sql` prompt). */
  print(line: string): void
}

/**
 * Delivers committed outputs. Every sink is idempotent for a replayed delivery, so a crash
 * between the operator's commit and the outbox's acknowledgement changes nothing:
 * - table: a put per row, keyed by the table's key (window and group columns, as the user keys it);
 * - bucket: one file per window (or per batch), named from it, replaced whole;
 * - stream: records keyed by a hash of the row's key columns (a replay appends them again:
 *   at least once, as AWS's Kinesis sink is);
 * - search index: upserts by document id (the primary key's fields, or a hash of the window
 *   or batch, the row and its occurrence): see search-sink.ts;
 * - topic, queue (late records): at least once.
 */
export async function deliver(
  emission: Emission,
  sink: TableDef | undefined,
  resource: string,
  late: LateTarget,
  deps: SinkDeps,
): Promise<void> {
  if (emission.kind === 'late') {
    if (!late) return
    if ('queue' in late) {
      for (const line of emission.rows) deps.queues!.send(late.queue, line)
      return
    }
    await deps.buckets!.putObject(
      late.bucket,
      `${late.prefix}${resource}/q${emission.query}/${emission.unit}.json`,
      `${emission.rows.join('\n')}\n`,
      {
        contentType: 'application/x-ndjson',
      },
    )
    return
  }
  if (!sink) {
    for (const row of emission.rows) deps.print(row)
    return
  }
  const c = sink.connector
  switch (c.kind) {
    case 'print':
      for (const row of emission.rows) deps.print(`+I${row}`)
      return
    case 'blackhole':
      return
    case 'table': {
      const table = deps.tables?.get(c.table)
      if (!table) throw new Error(`no table '${c.table}'`)
      for (const row of emission.rows) {
        const item = JSON.parse(row) as Record<string, unknown>
        for (const k of Object.keys(item)) if (item[k] === null) delete item[k]
        table.put(item)
      }
      return
    }
    case 'bucket': {
      const body =
        sink.format.kind === 'csv'
          ? emission.rows.map((r) => csvLine(r, sink.format)).join('\n')
          : emission.rows.join('\n')
      const ext = sink.format.kind === 'csv' ? 'csv' : 'json'
      await deps.buckets!.putObject(c.bucket, `${c.prefix}${emission.unit}.${ext}`, `${body}\n`, {
        contentType: sink.format.kind === 'csv' ? 'text/csv' : 'application/x-ndjson',
      })
      return
    }
    case 'stream': {
      const keys = sink.partitionedBy ?? sink.primaryKey
      const entries = emission.rows.map((row) => {
        const object = JSON.parse(row) as Record<string, unknown>
        const key = keys ? keys.map((k) => String(object[k] ?? '')).join('|') : row
        const partitionKey = createHash('md5').update(key).digest('hex')
        const data = sink.format.kind === 'csv' ? csvLine(row, sink.format) : row
        return { partitionKey, data: Buffer.from(data).toString('base64') }
      })
      for (let i = 0; i < entries.length; i += 500) {
        const result = await putRecords(deps.engine!, c.stream, entries.slice(i, i + 500), {
          shardLimits: false,
        })
        const failed = result.outcomes.find((o) => !o.ok)
        if (failed && !failed.ok) throw new Error(`stream '${c.stream}': ${failed.errorMessage}`)
      }
      return
    }
    case 'topic':
      for (const row of emission.rows) deps.topics!.publish(c.topic, row)
      return
    case 'index':
      try {
        await deps.indexes!.bulkUpsert(c.index, indexDocuments(emission, sink, c))
      } catch (error) {
        if (!(error instanceof SearchError)) throw error
        throw new Error(`search index '${c.index}': ${error.type}: ${error.reason}`)
      }
      return
  }
}

function csvLine(row: string, format: TableDef['format']): string {
  const delimiter = format.kind === 'csv' ? format.delimiter : ','
  return Object.values(JSON.parse(row) as Record<string, unknown>)
    .map((v) => {
      if (v === null) return ''
      const text = String(v)
      return /[",\n\r]/.test(text) || text.includes(delimiter) ? `"${text.replaceAll('"', '""')}"` : text
    })
    .join(delimiter)
}
