/**
 * A Python function's `requirements.txt`: installed into a virtual environment of its own under
 * the pipeline's data directory (`functions/<name>/venv`, made with `--system-site-packages` so
 * the system's packages, boto3 among them, stay visible), reused while the file is unchanged.
 * When pip cannot install (no index reachable: pip is told to give up after 5 s, never to retry),
 * the function runs on the system's packages and each requirement they do not satisfy becomes one
 * notice for `tributary dev` to print. Nothing here throws for a user's requirements.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FunctionSpec } from '../../contracts/functions.ts'
import type { Logger } from '../../util/logger.ts'
import { runtimeFamily } from './catalog.ts'
import { codeDirOf, SYSTEM_PYTHON } from './launch.ts'

export interface PythonEnvOptions {
  functionName: string
  /** The function's code directory, where `requirements.txt` may be. */
  codeDir: string
  /** The pipeline's data directory. */
  dataDir: string
  /** The interpreter the virtual environment is made from (`python3`). */
  python: string
  /** The environment pip runs with (its PIP_* settings, a proxy): the engine's by default. */
  env?: NodeJS.ProcessEnv
  /** Longest a `pip install` may run before it is stopped (default 5 minutes). */
  installTimeoutMs?: number
}

export interface PythonEnv {
  /** The interpreter to start the function with. */
  python: string
  /** One line per requirement the function runs without (empty when all is installed). */
  notices: string[]
}

const MARKER = '.tributary-requirements'
// -vv: with no retries pip logs why an index page could not be fetched only at debug level.
const PIP_ARGS = ['--disable-pip-version-check', '--no-input', '--timeout', '5', '--retries', '0', '-vv']
// What pip prints when it cannot reach an index (urllib3's connection errors, DNS, proxies).
const UNREACHABLE =
  /Could not fetch URL .*(connection error|timed out)|NewConnectionError|ConnectTimeoutError|ProxyError/i

/** The virtual environment of a function's requirements. */
export function venvDirOf(dataDir: string, functionName: string): string {
  return join(dataDir, 'functions', functionName, 'venv')
}

/**
 * The interpreter for a Python function: its virtual environment's once its requirements are
 * installed (or installing them failed, the system's packages then showing through), else
 * `options.python`.
 *
 * @example
 * const { python, notices } = await preparePythonEnv({ functionName: 'processor', codeDir, dataDir, python: 'python3' })
 * for (const line of notices) logger.warn(line)
 */
export async function preparePythonEnv(options: PythonEnvOptions): Promise<PythonEnv> {
  const requirementsFile = join(options.codeDir, 'requirements.txt')
  let requirements: string
  try {
    requirements = await readFile(requirementsFile, 'utf8')
  } catch {
    return { python: options.python, notices: [] }
  }
  const venv = venvDirOf(options.dataDir, options.functionName)
  const venvPython = join(venv, 'bin', 'python')
  const hash = createHash('sha256').update(options.python).update('\0').update(requirements).digest('hex')
  const marker = join(venv, MARKER)
  if (existsSync(venvPython) && (await readFile(marker, 'utf8').catch(() => '')) === hash)
    return { python: venvPython, notices: [] }

  const env = options.env ?? process.env
  // A venv made from the same interpreter is kept (pip installs into it again): offline, a start
  // then costs pip's failing lookup, not a new venv's ~5 s.
  const base = join(venv, '.tributary-python')
  if (!existsSync(venvPython) || (await readFile(base, 'utf8').catch(() => '')) !== options.python) {
    await rm(venv, { recursive: true, force: true })
    await mkdir(join(venv, '..'), { recursive: true })
    const made = await exec(options.python, ['-m', 'venv', '--system-site-packages', venv], {
      env,
      timeoutMs: 120_000,
    })
    if (made.code !== 0) {
      const why = `Tributary could not create a virtual environment (${lastLine(made.output) || `${options.python} -m venv failed`})`
      return {
        python: options.python,
        notices: await missingNotices(options, options.python, requirements, why),
      }
    }
    await writeFile(base, options.python)
  }
  const pip = await exec(venvPython, ['-m', 'pip', 'install', ...PIP_ARGS, '-r', requirementsFile], {
    env,
    cwd: options.codeDir,
    timeoutMs: options.installTimeoutMs ?? 300_000,
  })
  if (pip.code === 0) {
    await writeFile(marker, hash)
    return { python: venvPython, notices: [] }
  }
  const why = UNREACHABLE.test(pip.output)
    ? 'pip could not reach an index'
    : `pip could not install it (${lastLine(pip.output) || `exit ${pip.code}`})`
  return { python: venvPython, notices: await missingNotices(options, venvPython, requirements, why) }
}

/**
 * Each Python function's interpreter (its `interpreter`), its requirements installed first; what
 * a function runs without is a warning (`tributary dev` prints it at once).
 */
export async function withPythonEnvs(
  specs: readonly FunctionSpec[],
  dataDir: string,
  logger: Logger,
): Promise<FunctionSpec[]> {
  const out: FunctionSpec[] = []
  // One at a time: two pip installs at once would only compete for the same cores and network.
  for (const spec of specs) {
    if (runtimeFamily(spec.runtime) !== 'python') {
      out.push(spec)
      continue
    }
    const env = await preparePythonEnv({
      functionName: spec.name,
      codeDir: codeDirOf(spec),
      dataDir,
      python: SYSTEM_PYTHON,
    })
    for (const notice of env.notices) logger.warn(notice)
    out.push(env.python === SYSTEM_PYTHON ? spec : { ...spec, interpreter: env.python })
  }
  return out
}

async function missingNotices(
  options: PythonEnvOptions,
  python: string,
  requirements: string,
  why: string,
): Promise<string[]> {
  const probe = await exec(python, ['-c', PROBE], { env: options.env ?? process.env, input: requirements })
  let unmet: { requirement: string; installed: string | null }[]
  try {
    unmet = JSON.parse(probe.stdout)
  } catch {
    return [`function ${options.functionName}: ${why}; running on the system's packages`]
  }
  return unmet.map(({ requirement, installed }) => {
    const state = installed === null ? 'is not installed' : `is not satisfied (${installed} is installed)`
    return `function ${options.functionName}: requirement '${requirement}' ${state} and ${why}; running on the system's packages`
  })
}

/**
 * Which requirements (stdin, requirements.txt's lines) the interpreter's packages do not satisfy,
 * by importlib.metadata and the `packaging` library (pip's vendored copy when it is not installed);
 * pip options and URLs are left out. Prints a JSON list of {requirement, installed}.
 */
const PROBE = `
import json, re, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    try:
        from pip._vendor.packaging.requirements import Requirement
    except ImportError:
        Requirement = None
unmet = []
for raw in sys.stdin.read().splitlines():
    line = re.sub(r"(^|\\s)#.*$", "", raw).strip()
    if not line or line.startswith("-") or "://" in line or line.startswith((".", "/")):
        continue
    if Requirement is None:
        name, spec, marker = re.split(r"[\\s\\[<>=!~;]", line, 1)[0], None, None
    else:
        try:
            req = Requirement(line)
        except Exception:
            continue
        name, spec, marker = req.name, req.specifier, req.marker
    if marker is not None and not marker.evaluate():
        continue
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        unmet.append({"requirement": line, "installed": None})
        continue
    if spec is not None and not spec.contains(version, prereleases=True):
        unmet.append({"requirement": line, "installed": version})
print(json.dumps(unmet))
`

function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return lines.findLast((l) => l.startsWith('ERROR:'))?.replace(/^ERROR:\s*/, '') ?? lines.at(-1) ?? ''
}

interface ExecResult {
  code: number | null
  stdout: string
  /** stdout and stderr together, for the reason of a failure. */
  output: string
}

function exec(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    })
    let stdout = ''
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
    child.on('error', (error) => resolve({ code: -1, stdout, output: `${output}${error.message}` }))
    child.on('close', (code) => resolve({ code, stdout, output }))
  })
}
