import { Command } from 'commander'
import { type AwsCommandOptions, awsOptions, withToolkit } from './aws-target.ts'
import { CliError } from './cli-error.ts'

export function destroyCommand(): Command {
  return awsOptions(
    new Command('destroy').description(
      "Delete the pipeline's AWS stack. Buckets and tables are kept (their data stays, as CloudFormation " +
        'retains them); everything else goes. Asks first (or pass --yes).',
    ),
  )
    .option('-y, --yes', 'destroy without asking')
    .action(async (file: string, options: AwsCommandOptions) => {
      if (!options.yes && !process.stdin.isTTY)
        throw new CliError(
          'not destroying a stack without asking, and there is no terminal to ask on',
          'pass --yes',
        )
      await withToolkit(
        'destroy',
        file,
        { ...options, requireApproval: options.yes ? 'never' : 'any-change' },
        async ({ toolkit, cx, stack, stacks }) => {
          await toolkit.destroy(cx, { stacks })
          process.stdout.write(`tributary: destroyed ${stack} (buckets and tables are kept)\n`)
        },
      )
    })
}
