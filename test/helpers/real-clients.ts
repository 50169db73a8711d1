import { execFile, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * Locating and running real AWS clients (the Debian AWS CLI, Debian's python3 with boto3) with an
 * environment that nothing on the machine can leak into: no config or credentials files, no pager,
 * no instance metadata lookups.
 */

/** Environment for a real AWS client: fixed credentials and region, nothing else from the machine. */
export function awsEnv(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

/**
 * The Debian AWS CLI: /usr/bin/aws, not whatever `aws` is first on PATH (often a pyenv shim
 * pointing at another Python). Falls back to `which aws` only when /usr/bin/aws is missing.
 */
export function findAwsCli(): { path: string } | { missing: string } {
  let path = '/usr/bin/aws'
  if (!existsSync(path)) {
    const which = spawnSync('which', ['aws'], { encoding: 'utf8' })
    const found = which.status === 0 ? which.stdout.trim() : ''
    if (!found) return { missing: 'AWS CLI not installed (/usr/bin/aws missing): apt-get install awscli' }
    path = found
  }
  const version = spawnSync(path, ['--version'], { encoding: 'utf8', env: awsEnv(), timeout: 30_000 })
  if (version.status !== 0) {
    return { missing: `AWS CLI at ${path} does not run: ${(version.stderr || version.stdout).trim()}` }
  }
  return { path }
}

/** Debian's python3 with boto3 importable. */
export function findBoto3(): { python: string; version: string } | { missing: string } {
  const python = '/usr/bin/python3'
  if (!existsSync(python))
    return { missing: 'python3 not installed (/usr/bin/python3 missing): apt-get install python3-boto3' }
  const probe = spawnSync(python, ['-c', 'import boto3; print(boto3.__version__)'], {
    encoding: 'utf8',
    env: awsEnv(),
    timeout: 30_000,
  })
  if (probe.status !== 0)
    return { missing: 'boto3 not installed for /usr/bin/python3: apt-get install python3-boto3' }
  return { python, version: probe.stdout.trim() }
}

/**
 * Runs a command without blocking the event loop (the server under test lives in this process),
 * resolving with its stdout; rejects with stderr on a non-zero exit.
 */
export function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: awsEnv(), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
        else resolve(stdout)
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/**
 * Skips the test with the reason shown when a real client is missing (plain `npm test` on a
 * machine without them; `.ci/run` installs them); otherwise narrows `found` to the client.
 */
export function requireClient<T extends object>(
  found: T | { missing: string },
  ctx: { skip: (note?: string) => never },
): asserts found is T {
  if ('missing' in found) {
    console.warn(`skipped: ${found.missing}`)
    ctx.skip(found.missing)
  }
}
