/**
 * The Lambda runtimes a function may name, and how each runs here: `nodejs*` in worker threads of
 * the engine's process (whatever Node.js runs Tributary), every other one as a child process
 * speaking the Lambda Runtime API. Identifiers and the `AWS_EXECUTION_ENV` values are Lambda's
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
 */

/** How a runtime's execution environments are made. */
export type RuntimeFamily = 'nodejs' | 'python' | 'provided'

export const RUNTIMES = {
  'nodejs18.x': 'nodejs',
  'nodejs20.x': 'nodejs',
  'nodejs22.x': 'nodejs',
  'nodejs24.x': 'nodejs',
  'python3.9': 'python',
  'python3.10': 'python',
  'python3.11': 'python',
  'python3.12': 'python',
  'python3.13': 'python',
  'python3.14': 'python',
  'provided.al2023': 'provided',
  'provided.al2': 'provided',
} as const satisfies Record<string, RuntimeFamily>

export type RuntimeName = keyof typeof RUNTIMES

export const RUNTIME_NAMES = Object.keys(RUNTIMES) as [RuntimeName, ...RuntimeName[]]

/**
 * The runtime of a function that names none: aws-cdk-lib's `Runtime.NODEJS_LATEST` (the newest
 * Node.js runtime Lambda offers in every region; a test holds the two equal), so a deployment does
 * not start on a deprecated one (nodejs20.x was deprecated on 2026-04-30). Under `tributary dev`
 * every `nodejs*` function runs in worker threads on the Node.js that runs Tributary, whatever it
 * names; `runtime: 'nodejs20.x'` keeps a function on that runtime when deployed.
 */
export const DEFAULT_RUNTIME: RuntimeName = 'nodejs24.x'

export function runtimeFamily(runtime: string | undefined): RuntimeFamily {
  return RUNTIMES[(runtime ?? DEFAULT_RUNTIME) as RuntimeName] ?? 'nodejs'
}

/** Whether the runtime runs as a child process (Runtime API) rather than in a worker thread. */
export function isProcessRuntime(runtime: string | undefined): boolean {
  return runtimeFamily(runtime) !== 'nodejs'
}

/**
 * Lambda's `AWS_EXECUTION_ENV`: `AWS_Lambda_python3.12`; custom runtimes have none (Lambda sets
 * it only for the runtimes it provides).
 */
export function executionEnv(runtime: string): string | undefined {
  return runtimeFamily(runtime) === 'provided' ? undefined : `AWS_Lambda_${runtime}`
}

/**
 * Under `tributary dev`, which changed files (paths relative to the code directory) restart a
 * process runtime's processes: any Python module (and the requirements), or a custom runtime's
 * `bootstrap`. Node.js functions are reloaded through their handler file instead.
 */
const RELOAD_ON: Record<RuntimeFamily, ((path: string) => boolean) | undefined> = {
  nodejs: undefined,
  // Not the modules of a virtual environment or a data directory inside the code directory
  // (`.venv/`, `.tributary/`, `site-packages/`): pip writing there is no edit of the function's.
  python: (path) =>
    path === 'requirements.txt' ||
    (path.endsWith('.py') && !/(^|\/)(\.[^/]*|site-packages|__pycache__)\//.test(path)),
  provided: (path) => path === 'bootstrap',
}

export function reloadsOn(runtime: string | undefined): ((path: string) => boolean) | undefined {
  return RELOAD_ON[runtimeFamily(runtime)]
}
