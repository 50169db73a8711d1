import { relative } from 'node:path'
import { Command } from 'commander'
import { MissingCdkError, withCdk } from '../deploy/cdk.ts'
import { SynthError } from '../deploy/synth-error.ts'
import type { LoadedPipeline } from '../pipeline/load.ts'
import { CliError } from './cli-error.ts'
import { loadForCommand } from './pipeline-arg.ts'

interface SynthOptions {
  out: string
  validate?: boolean
}

const EXAMPLES = `
Examples:
  $ tributary synth                                    ./tributary.config.ts into ./cdk.out
  $ tributary synth examples/iot-sensors --out build/cdk.out

Offline: no AWS account or credentials are needed. The assembly is what \`cdk deploy --app cdk.out\`
and \`tributary deploy\` deploy (docs/deploy.md).
`

export function synthCommand(): Command {
  return new Command('synth')
    .description(
      'Synthesize the pipeline to an AWS CDK cloud assembly: one CloudFormation stack with its streams, ' +
        'functions, deliveries, buckets, tables, queues, topics, schedules, alarms and Glue tables.',
    )
    .argument('[pipeline]', 'the pipeline file, or a directory holding tributary.config.ts', '.')
    .option('-o, --out <dir>', 'where the cloud assembly is written', 'cdk.out')
    .option(
      '--validate',
      "also run CloudFormation's template validation (cfn-lint rules; several seconds more; diff and deploy always do)",
    )
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, options: SynthOptions) => {
      const out = await synthesizeForCommand('synth', await loadForCommand(file), options.out, {
        validate: options.validate === true,
      })
      out.dispose()
    })
}

/** Loads and synthesizes a pipeline for a command, its problems one-line CLI errors. */
export async function synthesizeForCommand(
  command: string,
  loaded: LoadedPipeline,
  outDir: string | undefined,
  options: { validate: boolean },
) {
  const { synthesize } = await cdkModule(command, () => import('../deploy/app.ts'))
  const started = performance.now()
  let out: Awaited<ReturnType<typeof synthesize>>
  try {
    out = await synthesize(loaded, {
      ...(outDir === undefined ? {} : { outDir }),
      validate: options.validate,
    })
  } catch (error) {
    if (error instanceof SynthError) throw new CliError(error.message, error.hint ?? 'see docs/deploy.md')
    throw error
  }
  for (const warning of out.warnings) process.stderr.write(`tributary: warning: ${warning}\n`)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(
    `tributary: synthesized stack ${out.stackName} (${resourceCount(out.template)} resources) in ${seconds} s: ` +
      `${relative(process.cwd(), out.templateFile) || out.templateFile}\n`,
  )
  return out
}

function resourceCount(template: Record<string, unknown>): number {
  return Object.keys((template.Resources ?? {}) as object).length
}

/** A module that needs the CDK, or a one-line error saying what to install. */
export async function cdkModule<T>(command: string, load: () => Promise<T>, packages?: readonly string[]) {
  try {
    return await withCdk(command, load, packages)
  } catch (error) {
    if (error instanceof MissingCdkError)
      throw new CliError(
        error.message,
        'aws-cdk-lib is an optional dependency: `npm ci` installs it unless optional ones are omitted',
      )
    throw error
  }
}
