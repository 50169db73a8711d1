import { describe, expect, it } from 'vitest'
import { reloadsOn } from '../../../src/functions/runtimes/catalog.ts'

/** Which saved files (relative to the code directory) reload a process runtime under `dev`. */
describe('reloadsOn', () => {
  const python = reloadsOn('python3.12')!
  it.each([
    ['handler.py', true],
    ['pkg/mod.py', true],
    ['requirements.txt', true],
    // pip writing into a virtual environment or the data directory inside the code directory
    ['.venv/lib/python3.11/site-packages/six.py', false],
    ['venv/lib/python3.11/site-packages/six.py', false],
    ['.tributary/p/functions/f/venv/lib/python3.11/site-packages/six.py', false],
    ['__pycache__/handler.py', false],
    ['sub/requirements.txt', false],
    ['notes.txt', false],
  ])('python: %s → %s', (path, reloads) => {
    expect(python(path)).toBe(reloads)
  })

  it('custom runtimes reload on their bootstrap; Node.js functions through their handler file', () => {
    expect(reloadsOn('provided.al2023')!('bootstrap')).toBe(true)
    expect(reloadsOn('provided.al2023')!('notes.txt')).toBe(false)
    expect(reloadsOn('nodejs20.x')).toBeUndefined()
  })
})
