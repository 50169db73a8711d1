import { Command, InvalidArgumentError, Option } from 'commander'
import { type ActiveFault, FAULT_EFFECTS, FAULT_TARGETS } from '../faults/fault.ts'
import { describeFault } from '../faults/injector.ts'
import { FAULTS_PATH } from '../faults/routes.ts'
import { CliError } from './cli-error.ts'

interface Common {
  endpoint: string
  json?: boolean
}

interface AddOptions extends Common {
  stream?: string
  function?: string
  bucket?: string
  delivery?: string
  effect: string
  for?: string
  until?: string
  rate?: number
  seed?: number
  latencyMs?: number
  operations?: string[]
}

function endpointOption(): Option {
  return new Option('-e, --endpoint <url>', 'the running tributary dev').default('http://127.0.0.1:4567')
}

function parseRate(value: string): number {
  const n = Number(value)
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a share from 0 to 1 (0.2 = 20%).')
  return n
}

function parseInteger(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number.')
  return n
}

/** One call to the running server's faults API; its errors as one line plus a hint. */
async function call(endpoint: string, method: string, path = '', body?: unknown): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${endpoint}${FAULTS_PATH}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    throw new CliError(
      `cannot reach ${endpoint}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`,
      'is `tributary dev` running? (pass --endpoint for another port)',
    )
  }
  const data = (await res.json().catch(() => ({}))) as { message?: string }
  if (res.status === 404 && path === '') {
    throw new CliError(`${endpoint} takes no faults`, 'faults are injected into `tributary dev`, not `serve`')
  }
  if (!res.ok)
    throw new CliError(data.message ?? `HTTP ${res.status}`, 'tributary fault list shows the active faults')
  return data
}

/** `tributary fault add|list|clear`: faults injected into a running `tributary dev` (docs/faults.md). */
export function faultCommand(): Command {
  const fault = new Command('fault').description(
    'Inject faults into a running `tributary dev`: streams, functions, buckets and delivery streams.',
  )
  fault
    .command('add')
    .description('add a fault; it stays until cleared, it expires (--for, --until) or the server stops')
    .option('--stream <name>', 'the stream it hits (throttle, internal-failure, latency)')
    .option('--function <name>', 'the function whose invocations it fails (error, timeout)')
    .option('--bucket <name>', 'the bucket whose writes it fails (slow-down, internal-error)')
    .option('--delivery <name>', 'the delivery stream whose deliveries it fails (slow-down, internal-error)')
    .addOption(new Option('--effect <effect>', 'what it does').choices(FAULT_EFFECTS).makeOptionMandatory())
    .option('--for <duration>', 'how long it stays active: 30s, 5m, 1h, 500ms (on the engine clock)')
    .option('--until <time>', 'when it ends, ISO 8601 (2026-05-01T12:00:00Z)')
    .addOption(
      new Option('--rate <share>', 'share of calls (PutRecords entries) it hits, 0-1').argParser(parseRate),
    )
    .addOption(
      new Option('--seed <n>', 'seed of its choices (same seed, same calls: same hits)').argParser(
        parseInteger,
      ),
    )
    .addOption(new Option('--latency-ms <ms>', 'with --effect latency: the wait').argParser(parseInteger))
    .addOption(
      new Option('--operations <list>', 'put, get or put,get (default both)').argParser((v) => v.split(',')),
    )
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(async (options: AddOptions) => {
      const targets = FAULT_TARGETS.filter((t) => options[t] !== undefined)
      if (targets.length !== 1)
        throw new CliError(
          targets.length === 0
            ? 'a fault needs a target'
            : `a fault has one target, not ${targets.join(' and ')}`,
          'pass one of --stream, --function, --bucket or --delivery',
        )
      const target = targets[0]!
      const { fault: added } = (await call(options.endpoint, 'POST', '', {
        [target]: options[target],
        effect: options.effect,
        ...(options.for !== undefined && { for: options.for }),
        ...(options.until !== undefined && { until: options.until }),
        ...(options.rate !== undefined && { rate: options.rate }),
        ...(options.seed !== undefined && { seed: options.seed }),
        ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
        ...(options.operations !== undefined && { operations: options.operations }),
      })) as { fault: ActiveFault }
      process.stdout.write(options.json ? `${JSON.stringify(added)}\n` : `added ${describeFault(added)}\n`)
    })
  fault
    .command('list')
    .description('list the active faults')
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(async (options: Common) => {
      const { faults } = (await call(options.endpoint, 'GET')) as { faults: ActiveFault[] }
      if (options.json) process.stdout.write(`${JSON.stringify(faults)}\n`)
      else if (faults.length === 0) process.stdout.write('no faults\n')
      else for (const f of faults) process.stdout.write(`${describeFault(f)}\n`)
    })
  fault
    .command('clear')
    .description('clear one fault by id, or all of them')
    .argument('[id]', 'the fault (as `list` shows it); all when omitted')
    .addOption(endpointOption())
    .action(async (id: string | undefined, options: Common) => {
      const { removed } = (await call(
        options.endpoint,
        'DELETE',
        id ? `/${encodeURIComponent(id)}` : '',
      )) as {
        removed: number
      }
      process.stdout.write(`cleared ${removed} ${removed === 1 ? 'fault' : 'faults'}\n`)
    })
  return fault
}
