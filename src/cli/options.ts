import { InvalidArgumentError, Option } from 'commander'
import type { SyncPolicy } from '../storage/log/shard-log.ts'

/** `always` | `interval:<ms>` | `os` */
export function parseSync(value: string): SyncPolicy {
  if (value === 'always') return { mode: 'always' }
  if (value === 'os') return { mode: 'os' }
  const m = /^interval:(\d+)$/.exec(value)
  if (m && Number(m[1]) > 0) return { mode: 'interval', intervalMs: Number(m[1]) }
  throw new InvalidArgumentError('expected always, interval:<ms> (e.g. interval:1000) or os.')
}

/** `--shard-limits on|off`: AWS's per-shard throughput limits, enforced (on) or lifted (off). */
export function parseOnOff(value: string): boolean {
  if (value === 'on') return true
  if (value === 'off') return false
  throw new InvalidArgumentError('expected on or off.')
}

/** The `--shard-limits` option of `dev` and `serve`. */
export function shardLimitsOption(): Option {
  return new Option(
    '--shard-limits <on|off>',
    "AWS's per-shard throughput limits (1,000 records/s and 1 MiB/s in, 5 reads/s and 2 MiB/s out); off for load tests",
  )
    .default(true, 'on')
    .argParser(parseOnOff)
}

export function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number (0-65535).')
  return n
}

/** `--summary <seconds>`: 0 turns it off. */
export function parseSeconds(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number of seconds (0: never).')
  return n
}

export function parseNonNegative(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number of milliseconds.')
  return n
}

export function parsePositive(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number.')
  return n
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** `ACCESS_KEY_ID:SECRET` pairs, from --auth-key flags and TRIBUTARY_AUTH_KEYS (comma-separated). */
export function parseAuthKeys(flags: string[], env: string | undefined): Map<string, string> {
  const keys = new Map<string, string>()
  const all = [...(env ? env.split(',') : []), ...flags].map((s) => s.trim()).filter(Boolean)
  for (const pair of all) {
    const colon = pair.indexOf(':')
    if (colon <= 0 || colon === pair.length - 1) {
      throw new InvalidArgumentError(`auth key '${pair.split(':')[0]}' must look like ACCESS_KEY_ID:SECRET.`)
    }
    keys.set(pair.slice(0, colon), pair.slice(colon + 1))
  }
  return keys
}
