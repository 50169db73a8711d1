import { createInterface } from 'node:readline/promises'
import type { ICloudAssemblySource, StackSelector, Toolkit } from '@aws-cdk/toolkit-lib'
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api'
import { type Command, Option } from 'commander'
import { CliError } from './cli-error.ts'
import { loadForCommand } from './pipeline-arg.ts'
import { cdkModule, synthesizeForCommand } from './synth.ts'

/** What a diff, deploy or destroy acts with: the toolkit, the assembly, the stack. */
export interface ToolkitRun {
  toolkit: Toolkit
  cx: ICloudAssemblySource
  /** The pipeline's stack name. */
  stack: string
  /** Selects every stack of the assembly (there is one). */
  stacks: StackSelector
}

export interface AwsCommandOptions {
  profile?: string
  region?: string
  requireApproval: 'never' | 'any-change' | 'broadening'
  out?: string
  yes?: boolean
}

const CDK_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-cdk/toolkit-lib']

/** `--profile`, `--region`, `--require-approval` and `--out`, shared by diff, deploy and destroy. */
export function awsOptions(command: Command): Command {
  return command
    .argument('[pipeline]', 'the pipeline file, or a directory holding tributary.config.ts', '.')
    .option('--profile <name>', 'the AWS profile (else AWS_PROFILE, else the default credential chain)')
    .option('--region <region>', "the AWS region (else AWS_REGION, else the profile's)")
    .addOption(
      new Option(
        '--require-approval <level>',
        'confirm before deploying changes: never, any-change, broadening (IAM)',
      )
        .choices(['never', 'any-change', 'broadening'])
        .default('broadening'),
    )
    .option('-o, --out <dir>', 'where the cloud assembly is written (default: a temporary directory)')
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new CliError(
      'the change needs approval, and there is no terminal to ask on',
      'review it with tributary diff, then pass --require-approval never',
    )
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/**
 * Runs a toolkit action on the pipeline's synthesized stack: credentials are checked first (a
 * machine without them fails in seconds, before the synth), then the pipeline is synthesized and
 * handed to @aws-cdk/toolkit-lib.
 */
export async function withToolkit(
  command: string,
  file: string,
  options: AwsCommandOptions,
  action: (run: ToolkitRun) => Promise<void>,
): Promise<void> {
  const loaded = await loadForCommand(file)
  const aws = await cdkModule(command, () => import('../deploy/toolkit.ts'), CDK_PACKAGES)
  const target = {
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
  }
  try {
    await aws.checkCredentials(target)
  } catch (error) {
    if (error instanceof aws.AwsAccessError) throw new CliError(error.message, error.hint)
    throw error
  }
  // A template error found here costs seconds; found by CloudFormation, a failed deployment.
  const out = await synthesizeForCommand(command, loaded, options.out, { validate: command !== 'destroy' })
  try {
    const toolkit = aws.toolkitFor(target, options.requireApproval, confirm)
    const cx = await toolkit.fromAssemblyDirectory(out.outDir)
    await action({ toolkit, cx, stack: out.stackName, stacks: aws.ALL_STACKS })
  } finally {
    out.dispose()
  }
}

/** A deployed stack's outputs, one line each: `stream events Arn: arn:aws:kinesis:...`. */
export function printOutputs(outputs: Record<string, string>, artifact?: CloudFormationStackArtifact): void {
  const descriptions = (artifact?.template?.Outputs ?? {}) as Record<string, { Description?: string }>
  for (const [key, value] of Object.entries(outputs))
    process.stdout.write(`  ${descriptions[key]?.Description ?? key}: ${value}\n`)
}
