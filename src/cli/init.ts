import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { CliError } from './cli-error.ts'

/** The package root: this file is src/cli/init.ts in a clone and dist/cli/init.js when installed. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TEMPLATE = join(ROOT, 'templates', 'init')
/** Replaced in the template files by the pipeline's name. */
const NAME_PLACEHOLDER = '__PIPELINE_NAME__'
/** The pipeline schema's rule for names (a name also names the pipeline's data directory). */
const PIPELINE_NAME = /^[a-zA-Z0-9_.-]{1,128}$/
/** Entries a fresh directory may already hold and still count as empty (`git init` first). */
const IGNORED_ENTRIES = new Set(['.git'])

interface InitOptions {
  force: boolean
  name?: string
}

interface OwnPackage {
  name: string
  version: string
  engines: { node: string }
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

export function initCommand(): Command {
  return new Command('init')
    .description(
      'Create a pipeline project: tributary.config.ts, a handler, a test, package.json, tsconfig.json ' +
        'and .gitignore. It runs with npm install && npm start; npm test runs its test.',
    )
    .argument('[dir]', 'where to create it (made if missing; must be empty unless --force)', '.')
    .option('--name <name>', "the pipeline's name (default: the directory's name)")
    .option(
      '-f, --force',
      'write into a directory that is not empty (files of the same name are replaced)',
      false,
    )
    .action((dir: string, options: InitOptions) => {
      init(dir, options)
    })
}

/** The directory's name made into a pipeline name: a-z A-Z 0-9 _ . - only. */
export function pipelineNameFor(dir: string): string {
  const name = basename(resolve(dir))
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 128)
  return name === '' ? 'my-pipeline' : name
}

/** npm's rules: lower case, no leading `.` or `_`, URL-safe. */
function packageNameFor(pipelineName: string): string {
  const name = pipelineName.toLowerCase().replace(/^[._]+/, '')
  return name === '' ? 'my-pipeline' : name
}

function checkTarget(dir: string, force: boolean): void {
  let entries: string[]
  try {
    if (!statSync(dir).isDirectory())
      throw new CliError(`${dir} exists and is not a directory`, 'pass the path of a new or empty directory')
    entries = readdirSync(dir).filter((e) => !IGNORED_ENTRIES.has(e))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  if (entries.length > 0 && !force) {
    const listed = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '')
    throw new CliError(
      `${shownDir(dir)} is not empty (${listed}); nothing was written`,
      'pass a new directory (tributary init my-pipeline), or --force to write into it anyway',
    )
  }
}

function templateFiles(dir = TEMPLATE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

/** The scaffold's package.json: this package as its dependency, its tools pinned like ours. */
function packageJson(name: string, own: OwnPackage): string {
  const pick = (deps: Record<string, string>, names: string[]) =>
    Object.fromEntries(names.map((n) => [n, deps[n]]))
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: own.engines,
    scripts: {
      start: 'tributary dev',
      test: 'node --import tsx --test test/*.test.ts',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { [own.name]: `^${own.version}` },
    devDependencies: {
      ...pick(own.dependencies, ['@aws-sdk/client-kinesis']),
      ...pick(own.devDependencies, ['@types/aws-lambda', '@types/node']),
      ...pick(own.dependencies, ['tsx']),
      ...pick(own.devDependencies, ['typescript']),
    },
    // npm versions that block dependencies' install scripts by default would skip these two:
    // better-sqlite3 fetches (or builds) its native binary, esbuild (under tsx) checks its own.
    allowScripts: { 'better-sqlite3': true, esbuild: true },
  }
  return `${JSON.stringify(pkg, null, 2)}\n`
}

/** Kept out of the template directory: npm leaves `.gitignore` files out of published packages. */
const GITIGNORE = `node_modules/
# Each pipeline's state (streams, tables, queues, the lake): tributary reset deletes it.
.tributary/
`

function shownDir(dir: string): string {
  const rel = relative(process.cwd(), dir)
  return rel === '' ? 'this directory' : rel.startsWith('..') ? dir : rel
}

/** Writes the scaffold into `target`; returns the files written, relative to it. */
export function scaffold(target: string, options: InitOptions): string[] {
  const dir = resolve(target)
  const pipelineName = options.name ?? pipelineNameFor(dir)
  if (!PIPELINE_NAME.test(pipelineName) || /^\.+$/.test(pipelineName))
    throw new CliError(
      `'${pipelineName}' cannot name a pipeline: it must be 1-128 characters of a-z A-Z 0-9 _ . -`,
      'pass --name <name>',
    )
  checkTarget(dir, options.force)
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as OwnPackage
  const files = new Map<string, string>()
  for (const file of templateFiles()) {
    files.set(relative(TEMPLATE, file), readFileSync(file, 'utf8').replaceAll(NAME_PLACEHOLDER, pipelineName))
  }
  files.set('package.json', packageJson(packageNameFor(pipelineName), own))
  files.set('.gitignore', GITIGNORE)
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return [...files.keys()].sort()
}

function init(target: string, options: InitOptions): void {
  const written = scaffold(target, options)
  const dir = resolve(target)
  const cd = relative(process.cwd(), dir)
  const steps = [
    ...(cd === '' ? [] : [`  cd ${cd.includes(' ') ? JSON.stringify(cd) : cd}`]),
    '  npm install',
    '  npm start      # runs it: the Kinesis API and the dashboard on http://127.0.0.1:4567/ui/',
    '  npm test       # starts the pipeline, puts records with the AWS SDK, checks the bucket',
  ]
  process.stdout.write(
    [
      `Created a pipeline project in ${shownDir(dir)}:`,
      ...written.map((f) => `  ${f}`),
      '',
      'Next steps:',
      ...steps,
      '',
      'Then put an event on its stream from another terminal (AWS CLI v2; any credentials do),',
      "and see the handler's object in the dashboard's Lake tab:",
      '  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1',
      '  aws kinesis put-record --endpoint-url http://127.0.0.1:4567 --stream-name events \\',
      `    --partition-key user-1 --cli-binary-format raw-in-base64-out --data '{"type":"click"}'`,
      '',
    ].join('\n'),
  )
}
