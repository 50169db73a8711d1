import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_PIPELINE_FILE } from '../pipeline/load.ts'
import { formatResult, type OutputFormat } from '../query/format.ts'
import { type LakeQuery, LakeQueryError, openLakeQuery } from '../query/lake-query.ts'
import { type CatalogTable, CatalogTableError } from '../query/views.ts'
import { CliError } from './cli-error.ts'
import { pipelineAndState } from './pipeline-arg.ts'
import { dataDirOption, knownDataDirs, type StateDir, shown } from './state-dir.ts'

interface QueryOptions {
  dataDir?: string
  json?: boolean
  csv?: boolean
  maxRows: number
}

function parseMaxRows(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0: all rows).')
  return n
}

const EXAMPLES = `
Examples:
  $ tributary query "SELECT count(*) FROM sensors"                 catalog tables of ./tributary.config.ts
  $ tributary query "SELECT * FROM sensors WHERE day = 23" pipeline.ts --json
  $ tributary query "SELECT * FROM read_json_auto('lake/raw/**/*.json.gz') LIMIT 5"
  $ tributary query "SELECT * FROM 'lake/curated/**/*.parquet'" --csv > out.csv

Relative paths resolve against the working directory, then the data directory
(./.tributary/<pipeline name> unless --data-dir says otherwise).
`

export function queryCommand(): Command {
  return new Command('query')
    .description('Run SQL (DuckDB) over the lake: catalog tables are views, raw files are readable by path.')
    .argument('<sql>', 'the SQL to run, quoted')
    .argument(
      '[pipeline]',
      `the pipeline file (or its directory) whose catalog and state to use (default: ./${DEFAULT_PIPELINE_FILE} if present)`,
    )
    .addOption(dataDirOption('the data directory whose lake to query'))
    .addOption(new Option('--json', 'print a JSON array of row objects, one row per line').conflicts('csv'))
    .addOption(new Option('--csv', 'print CSV (RFC 4180) with a header line'))
    .addOption(
      new Option('--max-rows <n>', 'print at most N rows (0: all)').default(1000).argParser(parseMaxRows),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (sql: string, file: string | undefined, options: QueryOptions) => {
      await query(sql, file, options)
    })
}

async function loadCatalog(
  file: string | undefined,
  dataDir: string | undefined,
): Promise<{ catalog: Record<string, CatalogTable>; from?: string; state: StateDir }> {
  const { loaded, state } = await pipelineAndState(file, dataDir, 'query "<sql>"')
  if (!loaded) return { catalog: {}, state }
  return { catalog: loaded.pipeline.catalog, from: relative(process.cwd(), loaded.file), state }
}

/** A mistyped --data-dir would otherwise answer every query with 0 rows. */
function requireLake(state: StateDir, from: string | undefined): void {
  if (existsSync(join(state.dir, 'lake'))) return
  const known = knownDataDirs()
  const hint = state.derived
    ? `run the pipeline first (tributary dev ${from}) or pass --data-dir <dir>`
    : known.length > 0
      ? `data directories here: ${known.join(', ')}`
      : "a pipeline's data directory is ./.tributary/<pipeline name>, created by tributary dev"
  throw new CliError(`no lake in ${shown(state.dir)}: nothing to query there`, hint)
}

async function query(sql: string, file: string | undefined, options: QueryOptions): Promise<void> {
  const { catalog, from, state } = await loadCatalog(file, options.dataDir)
  requireLake(state, from)
  const format: OutputFormat = options.json ? 'json' : options.csv ? 'csv' : 'table'
  let lake: LakeQuery
  try {
    lake = await openLakeQuery({ dataDir: state.dir, catalog })
  } catch (error) {
    if (error instanceof CatalogTableError)
      throw new CliError(`${from ?? 'pipeline'}: ${error.message}`, 'fix the column type in the catalog')
    throw error
  }
  try {
    const result = await lake.query(sql, undefined, options.maxRows > 0 ? { maxRows: options.maxRows } : {})
    process.stdout.write(formatResult(result, format))
    if (result.truncated)
      process.stderr.write(
        `tributary: output stopped at ${result.rowCount} rows; pass --max-rows 0 for all (or add LIMIT)\n`,
      )
  } catch (error) {
    if (error instanceof LakeQueryError) throw new CliError(error.message, hint(error, lake, from, state.dir))
    throw error
  } finally {
    await lake.close()
  }
}

function hint(error: LakeQueryError, lake: LakeQuery, from: string | undefined, dataDir: string): string {
  if (
    /No files found|no access to the file|does not exist/i.test(error.message) &&
    /file|path|pattern/i.test(error.message)
  )
    return `relative paths resolve against the working directory, then ${shown(dataDir)}; lake files are under lake/<bucket>/`
  const raw = "or read files directly: SELECT * FROM read_json_auto('lake/<bucket>/**/*.json.gz')"
  if (lake.tables.length === 0) return `no catalog tables loaded (pass the pipeline file); ${raw}`
  return `catalog tables${from ? ` in ${from}` : ''}: ${lake.tables.join(', ')}; ${raw}`
}
