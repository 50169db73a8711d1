import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { AnalyticsOperator, InputRecord } from '../analytics/operator.ts'
import { SqlError } from '../analytics/sql/lexer.ts'
import type { Program } from '../analytics/sql/program.ts'
import type { QuerySpec } from '../analytics/sql/query.ts'
import { formatResult } from '../query/format.ts'
import { LakeQueryError, openLakeQuery } from '../query/lake-query.ts'
import { deaggregate } from '../stream/kpl/aggregation.ts'
import { CliError } from './cli-error.ts'
import { pipelineAndState } from './pipeline-arg.ts'
import { dataDirOption } from './state-dir.ts'

interface SqlOptions {
  endpoint: string
  dataDir?: string
  execute?: string
  limit?: number
  idleTimeoutMs: number
}

const EXAMPLES = `
Examples:
  $ tributary sql                                   a prompt: end statements with ';', Ctrl-C stops a running query
  $ tributary sql -x "CREATE TABLE trips (zone STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
      WITH ('connector' = 'kinesis', 'stream' = 'trips');
      SELECT zone, COUNT(*) AS n FROM trips GROUP BY zone;" --limit 10
  $ tributary sql -x "SELECT count(*) FROM sensors;"  batch SQL over the lake's catalog tables

A SELECT over a table declared with 'connector' = 'kinesis' runs continuously against the running
tributary dev (its Kinesis API), printing results as they are output: windows as they close,
changed groups of an updating aggregate as they change. Any other SELECT runs once over the lake.
`

export function sqlCommand(): Command {
  return new Command('sql')
    .description(
      "Streaming SQL at a prompt: continuous Flink SQL over a running pipeline's streams, batch SQL over its lake.",
    )
    .argument('[pipeline]', 'the pipeline file (or its directory) whose lake and catalog to query')
    .addOption(
      new Option('-e, --endpoint <url>', 'the Kinesis endpoint of tributary dev').default(
        'http://127.0.0.1:4567',
      ),
    )
    .addOption(dataDirOption('the data directory whose lake to query'))
    .addOption(new Option('-x, --execute <sql>', 'run these statements instead of prompting'))
    .addOption(
      new Option('--limit <n>', 'stop a continuous query after N result rows').argParser((v) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0.')
        return n
      }),
    )
    .addOption(
      new Option('--idle-timeout-ms <ms>', 'a shard without records this long stops holding the watermark')
        .default(30_000)
        .argParser(Number),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (file: string | undefined, options: SqlOptions) => {
      const session = new SqlSession(file, options)
      if (options.execute !== undefined) {
        for (const statement of statements(options.execute)) await session.run(statement)
        return
      }
      await session.prompt()
    })
}

/** Statements of a text, split at top-level semicolons (quotes respected). */
function statements(text: string): string[] {
  const out: string[] = []
  let current = ''
  let quote: string | undefined
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined
    } else if (c === "'" || c === '`' || c === '"') quote = c
    else if (c === ';') {
      if (current.trim()) out.push(current.trim())
      current = ''
      continue
    }
    current += c
  }
  if (current.trim()) out.push(current.trim())
  return out
}

class SqlSession {
  readonly #ddl: string[] = []
  #stop: (() => void) | undefined

  constructor(
    readonly file: string | undefined,
    readonly options: SqlOptions,
  ) {}

  async prompt(): Promise<void> {
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sql> ' })
    rl.on('SIGINT', () => {
      if (this.#stop) this.#stop()
      else rl.close()
    })
    let buffer = ''
    rl.prompt()
    for await (const line of rl) {
      buffer += `${line}\n`
      if (!line.trim().endsWith(';')) {
        rl.setPrompt(buffer.trim() ? '   > ' : 'sql> ')
        rl.prompt()
        continue
      }
      for (const statement of statements(buffer)) {
        try {
          await this.run(statement)
        } catch (error) {
          const e = error as Error & { hint?: string }
          process.stderr.write(`tributary: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`)
        }
      }
      buffer = ''
      rl.setPrompt('sql> ')
      rl.prompt()
    }
  }

  async run(statement: string): Promise<void> {
    const { compileProgram } = await import('../analytics/sql/program.ts')
    const sql = [...this.#ddl, statement].join(';\n')
    let program: Program
    try {
      program = await compileProgram(`${sql};`, { selectAllowed: true })
    } catch (error) {
      if (!(error instanceof SqlError)) throw error
      // Not Flink SQL over declared streams: DuckDB over the lake may still take it.
      if (/^\s*select\b/i.test(statement) && !this.#streamQuery(statement)) return this.#lake(statement)
      // The line in the statement typed (the declared tables come first in the text checked).
      const line = error.line - (this.#ddl.length > 0 ? this.#ddl.join(';\n').split('\n').length : 0)
      throw new CliError(`${error.message} (line ${Math.max(1, line)}, column ${error.column})`, error.hint)
    }
    if (/^\s*create\b/i.test(statement)) {
      this.#ddl.push(statement)
      process.stdout.write('table declared\n')
      return
    }
    const query = program.queries[program.queries.length - 1]
    if (!query) return
    await this.#continuous(program, query, `${sql};`)
  }

  /** Whether the statement names a table declared here (a stream). */
  #streamQuery(statement: string): boolean {
    return this.#ddl.some((d) => {
      const name = /create\s+(?:temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?`?(\w+)/i.exec(d)?.[1]
      return name !== undefined && new RegExp(`\\b${name}\\b`, 'i').test(statement)
    })
  }

  async #lake(statement: string): Promise<void> {
    const { loaded, state } = await pipelineAndState(this.file, this.options.dataDir, 'sql')
    if (!existsSync(join(state.dir, 'lake')))
      throw new CliError(
        `no lake in ${state.dir}`,
        'run the pipeline first (tributary dev), or pass --data-dir',
      )
    const lake = await openLakeQuery({ dataDir: state.dir, catalog: loaded?.pipeline.catalog ?? {} })
    try {
      process.stdout.write(formatResult(await lake.query(statement, undefined, { maxRows: 1000 }), 'table'))
    } catch (error) {
      if (error instanceof LakeQueryError)
        throw new CliError(error.message, 'DuckDB SQL over the lake (see tributary query --help)')
      throw error
    } finally {
      await lake.close()
    }
  }

  /** Runs a query over a stream until Ctrl-C (or --limit rows), printing each output as it comes. */
  async #continuous(program: Program, query: QuerySpec, sql: string): Promise<void> {
    const c = query.source.connector
    if (c.kind !== 'stream') throw new CliError(`'${query.source.name}' is not a stream table`)
    const { AnalyticsOperator } = await import('../analytics/operator.ts')
    const op = await AnalyticsOperator.open(':memory:', { tables: program.tables, queries: [query] }, sql)
    const client = await kinesis(this.options.endpoint)
    const reader = new StreamReader(client, c.stream, c.initialPosition)
    try {
      await reader.open().catch((error: Error) => {
        throw new CliError(
          `cannot read stream '${c.stream}' on ${this.options.endpoint}: ${error.message}`,
          'is tributary dev running (and the stream declared)?',
        )
      })
      process.stderr.write(
        `tributary: running ${query.mode === 'update' ? 'an updating' : query.mode === 'window' ? 'a windowed' : 'a continuous'} query on '${c.stream}' (${reader.shardCount} shards); Ctrl-C stops it\n`,
      )
      await this.#loop(op, reader, query)
    } finally {
      op.close()
      client.destroy()
    }
  }

  async #loop(op: AnalyticsOperator, reader: StreamReader, query: QuerySpec): Promise<void> {
    let stopped = false
    let wake: (() => void) | undefined
    this.#stop = () => {
      stopped = true
      wake?.()
    }
    const onSignal = () => this.#stop?.()
    if (this.options.execute !== undefined) process.once('SIGINT', onSignal)
    let printed = 0
    const marker = query.mode === 'update' ? '+U' : '+I'
    try {
      while (!stopped) {
        const now = Date.now()
        const records = await reader.poll(now)
        const outcome = await op.process({
          records: new Map([[query.source.name, records]]),
          now,
          positions: new Map(),
          shardKeys: reader.shardKeys,
          activeShards: new Map([[query.source.name, reader.active(now, this.options.idleTimeoutMs)]]),
        })
        const pending = await op.pending()
        for (const e of pending) {
          if (e.kind === 'late') {
            process.stderr.write(`tributary: ${e.rows.length} late record(s) dropped\n`)
            continue
          }
          for (const row of e.rows) {
            process.stdout.write(`${marker} ${row}\n`)
            if (this.options.limit !== undefined && ++printed >= this.options.limit) stopped = true
          }
        }
        if (pending.length > 0) await op.acknowledge(pending[pending.length - 1]!.seq)
        if (stopped) break
        if (records.length === 0 && outcome.emitted === 0)
          await new Promise<void>((resolve) => {
            wake = resolve
            setTimeout(resolve, 250)
          })
      }
    } finally {
      this.#stop = undefined
      process.removeListener('SIGINT', onSignal)
    }
  }
}

async function kinesis(endpoint: string): Promise<KinesisClient> {
  const { KinesisClient } = await import('@aws-sdk/client-kinesis')
  return new KinesisClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'tributary', secretAccessKey: 'tributary' },
  })
}

/** Reads a stream through the Kinesis API: every shard's iterator, polled. */
class StreamReader {
  readonly shardKeys = new Map<number, string>()
  readonly #iterators = new Map<string, string | undefined>()
  readonly #lastActive = new Map<string, number>()
  #ordinal = 0

  constructor(
    readonly client: KinesisClient,
    readonly stream: string,
    readonly initialPosition: 'LATEST' | 'TRIM_HORIZON',
  ) {}

  get shardCount(): number {
    return this.#iterators.size
  }

  async open(): Promise<void> {
    const { ListShardsCommand, GetShardIteratorCommand } = await import('@aws-sdk/client-kinesis')
    const { Shards = [] } = await this.client.send(new ListShardsCommand({ StreamName: this.stream }))
    const now = Date.now()
    for (const [i, shard] of Shards.entries()) {
      const id = shard.ShardId!
      const { ShardIterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamName: this.stream,
          ShardId: id,
          ShardIteratorType: this.initialPosition,
        }),
      )
      this.#iterators.set(id, ShardIterator)
      this.shardKeys.set(i, id)
      this.#lastActive.set(id, now)
    }
  }

  async poll(now: number): Promise<InputRecord[]> {
    const { GetRecordsCommand } = await import('@aws-sdk/client-kinesis')
    const out: InputRecord[] = []
    for (const [i, id] of this.shardKeys) {
      const iterator = this.#iterators.get(id)
      if (!iterator) continue
      const r = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      this.#iterators.set(id, r.NextShardIterator)
      if ((r.Records?.length ?? 0) > 0) this.#lastActive.set(id, now)
      for (const record of r.Records ?? []) {
        const users = deaggregate(Buffer.from(record.Data ?? new Uint8Array()), record.PartitionKey ?? '')
        for (const [sub, u] of users.entries())
          out.push({
            shard: i,
            ordinal: this.#ordinal++,
            sub,
            arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? now,
            line: u.data.toString('utf8'),
          })
      }
    }
    return out
  }

  /** Shards that hold the watermark back: open, and with records within the idle timeout. */
  active(now: number, idleTimeoutMs: number): string[] {
    return [...this.shardKeys.values()].filter(
      (id) => this.#iterators.get(id) !== undefined && now - (this.#lastActive.get(id) ?? 0) < idleTimeoutMs,
    )
  }
}
