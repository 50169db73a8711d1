import { Command } from 'commander'
import { type AwsCommandOptions, awsOptions, withToolkit } from './aws-target.ts'

export function diffCommand(): Command {
  return awsOptions(
    new Command('diff').description(
      'Synthesize the pipeline and show what deploying it would change in its AWS stack (resources, IAM, security groups).',
    ),
  ).action(async (file: string, options: AwsCommandOptions) => {
    await withToolkit('diff', file, options, async ({ toolkit, cx, stacks }) => {
      await toolkit.diff(cx, { stacks })
    })
  })
}
