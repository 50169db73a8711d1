import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  DOC_PATH,
  generatedPart,
  generateReference,
  HINT,
  type Reference,
} from '../../scripts/config-reference.ts'
import { KINDS } from '../../src/pipeline/kinds.ts'

/**
 * Top-level fields whose TSDoc is still to be written, by kind (reported to the schemas' owner).
 * Remove a field here once it has its comment; a field missing from this list without one fails.
 */
describe('the configuration reference (docs/configuration.md)', () => {
  let reference: Reference
  beforeAll(() => {
    reference = generateReference()
  })

  it('holds what scripts/config-reference.ts generates from the kinds now', () => {
    const part = generatedPart(readFileSync(DOC_PATH, 'utf8'))
    expect(part, `docs/configuration.md has no generated reference: ${HINT}`).toBeDefined()
    expect(part, `the generated reference in docs/configuration.md is out of date: ${HINT}`).toBe(
      reference.markdown.trim(),
    )
  })

  it('has a section for every kind, in the order of KINDS', () => {
    expect(reference.kinds.map((k) => k.kind)).toEqual(KINDS.map((k) => k.kind))
    const headings = [...reference.markdown.matchAll(/^### (.+)$/gm)].map((m) => m[1])
    expect(headings).toEqual(['Pipeline settings', ...KINDS.map((k) => k.title)])
    for (const kind of reference.kinds) expect(kind.fields.length, kind.kind).toBeGreaterThan(0)
  })

  it("describes every top-level field of every kind's schema (from its TSDoc)", () => {
    const undocumented: Record<string, string[]> = {}
    for (const kind of reference.kinds) {
      const missing = kind.fields.filter((f) => f.topLevel && f.description === '').map((f) => f.path)
      if (missing.length > 0) undocumented[kind.kind] = missing
    }
    expect(undocumented, 'a field without TSDoc (/** ... */ above it in the schema)').toEqual({})
  })

  it("gives every kind's schema a summary and an @example", () => {
    const schemaWarnings = reference.warnings.filter((w) => !w.includes(' has no TSDoc'))
    expect(schemaWarnings).toEqual([])
  })
})
