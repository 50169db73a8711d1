import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type AnyKind, defineKind } from '../../src/kind/kind.ts'
import { KINDS } from '../../src/pipeline/kinds.ts'
import { buildOrder } from '../../src/pipeline/resources.ts'

const kind = (name: string, dependsOn: string[] = []): AnyKind =>
  defineKind({
    kind: name,
    section: `${name}s`,
    noun: [name, `${name}s`],
    title: name,
    layout: 'named',
    schema: z.object({}),
    dependsOn,
  })

describe('the build order of the kinds', () => {
  it('builds every kind after the kinds it depends on, each kind once', () => {
    const order = buildOrder(KINDS)
    expect(new Set(order.map((k) => k.kind))).toEqual(new Set(KINDS.map((k) => k.kind)))
    expect(order).toHaveLength(KINDS.length)
    for (const [i, k] of order.entries())
      for (const dep of k.dependsOn ?? [])
        expect(
          order.findIndex((d) => d.kind === dep),
          `${k.kind} after ${dep}`,
        ).toBeLessThan(i)
  })

  it("keeps the list's order where no dependency says otherwise", () => {
    const [a, b, c] = [kind('a', ['c']), kind('b'), kind('c')]
    expect(buildOrder([a, b, c]).map((k) => k.kind)).toEqual(['b', 'c', 'a'])
  })

  it('refuses a dependency on no kind, and a cycle', () => {
    expect(() => buildOrder([kind('a', ['nope'])])).toThrow("kind a depends on 'nope', which is no kind")
    expect(() => buildOrder([kind('a', ['b']), kind('b', ['a'])])).toThrow(
      'kinds depend on each other in a cycle: a, b',
    )
  })

  it('builds topics before functions (a late lookup of async invoke) so functions stop first', () => {
    const order = buildOrder(KINDS).map((k) => k.kind)
    expect(order.indexOf('topic')).toBeLessThan(order.indexOf('function'))
    expect(order.indexOf('queue')).toBeLessThan(order.indexOf('function'))
    for (const trigger of ['kinesis-mapping', 'sqs-mapping', 'schedule', 'bucket', 'delivery', 'alarm'])
      expect(order.indexOf(trigger), trigger).toBeGreaterThan(order.indexOf('function'))
  })
})
