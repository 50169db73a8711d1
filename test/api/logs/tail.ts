import { spawn } from 'node:child_process'
import { onTestFinished } from 'vitest'
import { awsEnv } from '../../helpers/real-clients.ts'

/**
 * `aws logs tail <group> --follow` running against `endpoint` until the test finishes: `seen(text)`
 * resolves once its output shows `text` (rejects if it exits first), `out()` is what it printed.
 */
export function followLogs(cli: string, group: string, endpoint: string) {
  const child = spawn(
    cli,
    ['logs', 'tail', group, '--follow', '--since', '1d', '--endpoint-url', endpoint],
    // Python writes to a pipe in blocks: unbuffered, each event shows as it is printed.
    { env: { ...awsEnv(), PYTHONUNBUFFERED: '1' } },
  )
  onTestFinished(() => {
    child.kill()
  })
  let out = ''
  let err = ''
  const waiters: Array<() => void> = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const w of waiters.splice(0)) w()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const seen = async (text: string) => {
    while (!out.includes(text)) {
      const more = new Promise<void>((resolve) => waiters.push(resolve))
      const code = await Promise.race([more.then(() => undefined), exited])
      if (code !== undefined) throw new Error(`aws logs tail exited (${code}): ${err}`)
    }
  }
  return { seen, out: () => out }
}
