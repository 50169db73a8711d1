import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/tributary.js')
const TELEMETRY = join(ROOT, 'examples/telemetry')

interface Run {
  code: number
  stdout: string
  stderr: string
}

/**
 * The CLI with nothing of the machine's AWS setup: no credentials or config files, no instance
 * metadata lookups (which could wait on the network), no AWS_* variables.
 */
function tributary(args: string[], home: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')))
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        timeout: 240_000,
        env: {
          ...env,
          NODE_OPTIONS: '',
          HOME: home,
          AWS_CONFIG_FILE: join(home, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('tributary synth, diff, deploy, destroy (offline)', () => {
  it('synth writes a cloud assembly the CDK toolkit reads, without AWS', async () => {
    const home = await tempDir()
    const out = join(home, 'cdk.out')
    const run = await tributary(['synth', TELEMETRY, '--out', out], home)
    expect(run.stderr).not.toContain('error:')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/synthesized stack tributary-telemetry \(\d+ resources\) in [\d.]+ s/)
    const template = JSON.parse(readFileSync(join(out, 'tributary-telemetry.template.json'), 'utf8'))
    expect(Object.keys(template.Resources).length).toBeGreaterThan(10)
    expect(existsSync(join(out, 'manifest.json'))).toBe(true)
    // The toolkit that diff/deploy/destroy use lists the stack from the assembly, offline.
    const { Toolkit, StackSelectionStrategy } = await import('@aws-cdk/toolkit-lib')
    const toolkit = new Toolkit({
      ioHost: { notify: async () => {}, requestResponse: async (m) => m.defaultResponse },
    })
    const stacks = await toolkit.list(await toolkit.fromAssemblyDirectory(out), {
      stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
    })
    expect(stacks.map((s) => s.name)).toEqual(['tributary-telemetry'])
  }, 240_000)

  it.each(['diff', 'deploy', 'destroy'])(
    '%s stops with one line when there are no AWS credentials, before synthesizing',
    async (command) => {
      const home = await tempDir()
      const run = await tributary(
        [command, TELEMETRY, '--region', 'us-east-1', ...(command === 'destroy' ? ['--yes'] : [])],
        home,
      )
      expect(run.code).toBe(1)
      const lines = run.stderr.trim().split('\n')
      expect(lines[0]).toMatch(/^tributary: error: no AWS credentials: /)
      expect(lines[1]).toMatch(/^ {2}hint: configure them \(aws configure/)
      expect(run.stdout).not.toContain('synthesized')
    },
    120_000,
  )

  it('diff, deploy and destroy take --profile, --region and --require-approval', async () => {
    const home = await tempDir()
    for (const command of ['diff', 'deploy', 'destroy']) {
      const run = await tributary([command, '--help'], home)
      expect(run.stdout).toContain('--profile <name>')
      expect(run.stdout).toContain('--region <region>')
      expect(run.stdout).toContain('--require-approval <level>')
    }
  }, 120_000)
})
