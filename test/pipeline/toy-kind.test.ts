import { describe, expect, it, onTestFinished } from 'vitest'
import { SummaryPrinter } from '../../src/cli/summary.ts'
import { KINDS } from '../../src/pipeline/kinds.ts'
import { kindsInWords, sectionCounts } from '../../src/pipeline/resources.ts'
import { PipelineError, validatePipeline } from '../../src/pipeline/validate.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { buildGraph } from '../../src/web/graph.ts'
import { counterKind } from './toy-kind/kind.ts'

// A kind added in one folder (./toy-kind/): its schema, its reference to a function and its build
// are all the pipeline needs to validate it, draw it, build it and summarize it.
const kinds = [...KINDS, counterKind]
const dir = new URL('./toy-kind/', import.meta.url).pathname
const definition = (counter: Record<string, unknown> = {}) => ({
  name: 'toy',
  functions: { count: { handler: 'count.handler' } },
  counters: { tick: { every: 60, function: 'count', ...counter } },
})

function problem(input: unknown): string {
  try {
    validatePipeline(input, dir, kinds)
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError)
    return (error as Error).message
  }
  throw new Error('no problem found')
}

describe('a resource kind added in one folder', () => {
  it('is validated: its schema, and the names it refers to', () => {
    expect(validatePipeline(definition(), dir, kinds).pipeline).toMatchObject({
      counters: { tick: { every: 60, function: 'count' } },
    })
    expect(problem(definition({ every: 0 }))).toBe('counters.tick.every: must be at least 1 (got 0)')
    expect(problem(definition({ function: 'nope' }))).toBe("counters.tick.function: no function named 'nope'")
    expect(problem(definition({ colour: 'red' }))).toBe("counters.tick: unknown field 'colour'")
    // Without the kind, its section is no section of the pipeline.
    expect(() => validatePipeline(definition(), dir)).toThrow("unknown field 'counters'")
  })

  it('is drawn: a node per resource, an edge per reference', () => {
    const { pipeline } = validatePipeline(definition(), dir, kinds)
    const graph = buildGraph(pipeline, [], kinds)
    expect(graph.nodes).toContainEqual({ id: 'counter:tick', kind: 'counter', name: 'tick' })
    expect(graph.edges).toContainEqual(
      expect.objectContaining({
        from: 'counter:tick',
        to: 'function:count',
        label: 'counts',
        type: 'config',
      }),
    )
  })

  it('is counted in the banner and named among the kinds', () => {
    const { pipeline } = validatePipeline(definition(), dir, kinds)
    expect(sectionCounts(pipeline, kinds)).toEqual(['1 function', '1 counter'])
    expect(kindsInWords(kinds)).toMatch(/, [a-z ]+ and counters$/)
  })

  it('is built after what it depends on, runs on the pipeline clock, and has its summary lines', async () => {
    const p = await startPipeline(definition(), { dir, kinds, teardown: onTestFinished })
    const printer = new SummaryPrinter(p.clock.now())
    await p.advance(120_000)
    await p.until(() => p.metric('Invocations', { FunctionName: 'count' }).sum === 2)
    expect(p.logs.map((l) => l.message)).toEqual(['count tick 1', 'count tick 2'])
    expect(printer.render(p.runtime, new Date(p.clock.now()))).toContain('  counters tick: 2 sent')
  })
})
