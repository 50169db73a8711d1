import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_PIPELINE_FILE, loadPipeline } from '../pipeline/load.ts'
import { PipelineError } from '../pipeline/validate.ts'
import { formatResult, type OutputFormat } from '../query/format.ts'
import { type LakeQuery, LakeQueryError, openLakeQuery } from '../query/lake-query.ts'
import { type CatalogTable, CatalogTableError } from '../query/views.ts'
import { CliError } from './cli-error.ts'

interface QueryOptions {
  dataDir: string
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

Relative paths resolve against the working directory, then the data directory.
`

export function queryCommand(): Command {
  return new Command('query')
    .description('Run SQL (DuckDB) over the lake: catalog tables are views, raw files are readable by path.')
    .argument('<sql>', 'the SQL to run, quoted')
    .argument(
      '[pipeline]',
      `the pipeline file whose catalog to use (default: ./${DEFAULT_PIPELINE_FILE} if present)`,
    )
    .addOption(new Option('-d, --data-dir <dir>', 'where the lake lives').default('./.tributary'))
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
): Promise<{ catalog: Record<string, CatalogTable>; from?: string }> {
  if (file === undefined && !existsSync(DEFAULT_PIPELINE_FILE)) return { catalog: {} }
  try {
    const loaded = await loadPipeline(file ?? DEFAULT_PIPELINE_FILE)
    return { catalog: loaded.pipeline.catalog, from: relative(process.cwd(), loaded.file) }
  } catch (error) {
    if (error instanceof PipelineError) throw new CliError(error.message, error.hint)
    throw error
  }
}

async function query(sql: string, file: string | undefined, options: QueryOptions): Promise<void> {
  const { catalog, from } = await loadCatalog(file)
  const format: OutputFormat = options.json ? 'json' : options.csv ? 'csv' : 'table'
  let lake: LakeQuery
  try {
    lake = await openLakeQuery({ dataDir: options.dataDir, catalog })
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
    if (error instanceof LakeQueryError)
      throw new CliError(error.message, hint(error, lake, from, options.dataDir))
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
    return `relative paths resolve against the working directory, then ${resolve(dataDir)}; lake files are under lake/<bucket>/`
  const raw = "or read files directly: SELECT * FROM read_json_auto('lake/<bucket>/**/*.json.gz')"
  if (lake.tables.length === 0) return `no catalog tables loaded (pass the pipeline file); ${raw}`
  return `catalog tables${from ? ` in ${from}` : ''}: ${lake.tables.join(', ')}; ${raw}`
}
