import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('./standalone-pool.mjs', import.meta.url))

function run(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    // A process kept alive by a leftover worker or timer would never exit: fail instead of hanging.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('pool lifecycle in a process of its own', () => {
  it.each(['close', 'no-close'])(
    'the process exits by itself (%s), and handler output never reaches its stdout',
    async (mode) => {
      const { code, stdout, stderr } = await run(mode)
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const lines = stdout.trim().split('\n')
      expect(lines).toHaveLength(1)
      const report = JSON.parse(lines[0]!) as { kinds: string[]; messages: string[] }
      expect(report.kinds).toEqual(['ok', 'timeout', 'crash', 'ok'])
      expect(report.messages).toEqual(
        expect.arrayContaining(['loading module', 'line 0', 'exiting now', 'raw stdout line']),
      )
    },
  )
})
