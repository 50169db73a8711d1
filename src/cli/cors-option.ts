import { InvalidArgumentError, Option } from 'commander'
import { parseCorsOrigin } from '../api/cors.ts'

/** `--cors-origin <origin>` (repeatable) for the commands that serve the AWS endpoints. */
export function corsOriginOption(): Option {
  return new Option(
    '--cors-origin <origin>',
    "browser origin allowed to call the AWS endpoints besides localhost ones (repeatable; '*' = any, as AWS)",
  )
    .default([])
    .argParser((value: string, previous: string[]) => {
      try {
        return [...previous, parseCorsOrigin(value)]
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message)
      }
    })
}
