import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { CliError } from '../cli-error.ts'

/** One record read from a replay file. */
export interface FileRecord {
  data: string
  partitionKey?: string
  /** Epoch ms, with `eventTimeField`. */
  eventTime?: number
}

export interface FileOptions {
  partitionKeyField?: string
  eventTimeField?: string
}

/** `.csv` files are CSV with a header row; anything else is NDJSON (one JSON value per line). */
export function isCsv(path: string): boolean {
  return /\.csv$/i.test(path)
}

/**
 * Streams the records of an NDJSON or CSV file, in file order. An NDJSON line is sent as it is;
 * a CSV row becomes a JSON object keyed by the header (numbers as numbers, empty cells as null).
 */
export async function* readFileRecords(path: string, options: FileOptions): AsyncGenerator<FileRecord> {
  const csv = isCsv(path)
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })
  let header: string[] | undefined
  let n = 0
  try {
    for await (const line of lines) {
      n++
      if (line.trim() === '') continue
      let value: unknown
      let data: string
      if (csv) {
        const cells = parseCsvLine(line)
        if (!header) {
          header = cells
          continue
        }
        const row: Record<string, unknown> = {}
        header.forEach((name, i) => {
          row[name] = typed(cells[i] ?? '')
        })
        value = row
        data = JSON.stringify(row)
      } else {
        data = line
        if (options.partitionKeyField || options.eventTimeField) {
          try {
            value = JSON.parse(line)
          } catch {
            throw new CliError(
              `${path}:${n} is not JSON`,
              'each line of an NDJSON file must be one JSON value',
            )
          }
        }
      }
      yield { data, ...fields(value, options, `${path}:${n}`) }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`no such file: ${path}`, 'give the path of an .ndjson/.jsonl or .csv file')
    throw error
  } finally {
    lines.close()
  }
}

function fields(value: unknown, options: FileOptions, where: string): Omit<FileRecord, 'data'> {
  const out: Omit<FileRecord, 'data'> = {}
  const record = (value ?? {}) as Record<string, unknown>
  if (options.partitionKeyField) {
    const key = record[options.partitionKeyField]
    if (key !== undefined && key !== null && key !== '') out.partitionKey = String(key)
  }
  if (options.eventTimeField) {
    const time = eventTime(record[options.eventTimeField])
    if (time === undefined)
      throw new CliError(
        `${where} has no usable '${options.eventTimeField}' (an ISO 8601 time or epoch seconds/milliseconds)`,
        'check --event-time-field',
      )
    out.eventTime = time
  }
  return out
}

/** ISO 8601 text, or a number: epoch milliseconds (≥ 10^11) or seconds. */
export function eventTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value >= 1e11 ? value : value * 1000
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(value.trim())) return eventTime(Number(value))
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

function typed(cell: string): unknown {
  if (cell === '') return null
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(cell) && Number.isFinite(Number(cell))) return Number(cell)
  return cell
}

/** One CSV line (RFC 4180 quoting; a quoted field does not span lines here). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      cells.push(cell)
      cell = ''
    } else cell += c
  }
  cells.push(cell)
  return cells
}
