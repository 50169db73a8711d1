import { Command } from 'commander'
import { type AwsCommandOptions, awsOptions, printOutputs, withToolkit } from './aws-target.ts'

export function deployCommand(): Command {
  return awsOptions(
    new Command('deploy').description(
      'Synthesize the pipeline and deploy its stack to AWS (CloudFormation, through the CDK toolkit), ' +
        'printing progress and, at the end, the stack outputs: stream ARNs, bucket and table names, queue URLs.',
    ),
  ).action(async (file: string, options: AwsCommandOptions) => {
    await withToolkit('deploy', file, options, async ({ toolkit, cx, stack, stacks }) => {
      const result = await toolkit.deploy(cx, { stacks })
      for (const deployed of result.stacks) {
        process.stdout.write(`tributary: deployed ${deployed.stackName} (${deployed.environment.region})\n`)
        printOutputs(deployed.outputs)
      }
      if (result.stacks.length === 0) process.stdout.write(`tributary: ${stack}: nothing deployed\n`)
    })
  })
}
