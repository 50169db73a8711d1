/**
 * The Overview graph's layout: columns by data flow, and nothing drawn on top of anything else,
 * for the test pipeline, every example pipeline and a crowded synthetic one.
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { BindingUse } from '../../src/functions/binding-usage.ts'
import { loadPipeline } from '../../src/pipeline/load.ts'
import { type Pipeline, pipelineSchema } from '../../src/pipeline/schema.ts'
import { withRateUnits } from '../../src/web/edge-rates.ts'
import { buildGraph } from '../../src/web/graph.ts'
import { type Box, type GraphLayout, LABEL_CHAR_W, layoutGraph } from '../../src/web/graph-layout.ts'
import { testPipeline, use } from './fake-source.ts'

const layout = (pipeline: Pipeline, uses: BindingUse[] = []) =>
  layoutGraph(withRateUnits(buildGraph(pipeline, uses)))

const intersect = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** Every pair of drawn boxes (nodes, labels) that overlap, named. */
function collisions(g: GraphLayout): string[] {
  const boxes = [
    ...g.nodes.map((n) => ({ name: n.id, box: n as Box })),
    ...g.edges.flatMap((e) => (e.labelBox ? [{ name: `label ${e.id}`, box: e.labelBox }] : [])),
  ]
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      if (intersect(boxes[i]!.box, boxes[j]!.box)) found.push(`${boxes[i]!.name} × ${boxes[j]!.name}`)
  return found
}

function checkDrawing(g: GraphLayout) {
  expect(collisions(g)).toEqual([])
  const byId = new Map(g.nodes.map((n) => [n.id, n]))
  for (const e of g.edges) {
    const [from, to] = [byId.get(e.from)!, byId.get(e.to)!]
    if (!e.back) expect(to.layer, e.id).toBeGreaterThan(from.layer)
    // The label fits its text and sits in the gap right after the source's column.
    if (e.labelBox) {
      const longest = Math.max(e.label.length, e.rate ? 14 : 0)
      expect(e.labelBox.width, e.id).toBeGreaterThanOrEqual(longest * LABEL_CHAR_W)
      if (!e.back) {
        expect(e.labelBox.x, e.id).toBeGreaterThanOrEqual(from.x + from.width)
        expect(e.labelBox.x + e.labelBox.width, e.id).toBeLessThanOrEqual(
          Math.min(...g.nodes.filter((n) => n.layer === from.layer + 1).map((n) => n.x)),
        )
      }
    }
    expect(e.path, e.id).toMatch(/^M[\d.]+,[\d.]+ /)
  }
  for (const n of g.nodes) {
    expect(n.x + n.width).toBeLessThanOrEqual(g.width)
    expect(n.y + n.height).toBeLessThanOrEqual(g.height)
  }
}

describe('layoutGraph', () => {
  it('puts sources in the first column and every other node one column right of what feeds it', () => {
    const g = layout(testPipeline())
    const layer = Object.fromEntries(g.nodes.map((n) => [n.id, n.layer]))
    expect(layer).toEqual({
      'schedule:tick': 0,
      'queue:work': 0,
      'function:generate': 1,
      'stream:ingest': 2,
      'function:enrich': 3,
      'delivery:archive': 3,
      'table:metadata': 4,
      'bucket:lake': 4,
      'queue:work-dlq': 1,
      'queue:enrich-failures': 4,
      'alarm:EnrichErrors': 4,
      'topic:alerts': 5,
      // Not connected to anything: with the sinks.
      'table:readings': 5,
    })
    checkDrawing(g)
  })

  it('places a bucket a function writes after the function, not among the sources', () => {
    const pipeline = testPipeline()
    pipeline.buckets.lake!.notifications = [{ function: 'enrich', events: ['s3:ObjectCreated:*'] }]
    pipeline.buckets.raw = { notifications: [] }
    pipeline.functions.generate!.writes = [{ bucket: 'raw' }]
    const without = layout(pipeline).nodes.find((n) => n.id === 'bucket:raw')!
    const g = layout(pipeline, [use('generate', 'bucket', 'raw', 'write')])
    const at = (id: string) => g.nodes.find((n) => n.id === id)!.layer
    expect(without.layer).toBe(at('function:generate') + 1)
    expect(at('bucket:raw')).toBe(at('function:generate') + 1)
  })

  it('breaks a read cycle at the read: a lookup does not make the table a source', () => {
    const pipeline = testPipeline()
    // enrich writes metadata (declared); generate reads it back (a lookup) and feeds enrich.
    const g = layout(pipeline, [use('generate', 'table', 'metadata', 'read')])
    const edge = g.edges.find((e) => e.id === 'table:metadata>function:generate>reads')!
    expect(edge.back).toBe(true)
    expect(g.nodes.find((n) => n.id === 'table:metadata')!.layer).toBe(4)
    checkDrawing(g)
  })

  it.each(
    readdirSync(fileURLToPath(new URL('../../examples/', import.meta.url)), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  )('draws example %s without overlaps', async (example) => {
    const { pipeline } = await loadPipeline(
      fileURLToPath(new URL(`../../examples/${example}/tributary.config.ts`, import.meta.url)),
    )
    checkDrawing(layout(pipeline))
  })

  it('keeps labels apart in a crowded graph with long labels, long edges and cycles', () => {
    const functions: Record<string, unknown> = {}
    const tables: Record<string, unknown> = {}
    const uses: BindingUse[] = []
    for (let i = 0; i < 8; i++) {
      tables[`table-${i}`] = { partitionKey: 'id' }
      functions[`fn-${i}`] = {
        handler: 'h.x',
        writes: [{ table: `table-${i}` }, { table: `table-${(i + 1) % 8}` }],
      }
      uses.push(use(`fn-${i}`, 'table', `table-${(i + 3) % 8}`, 'read'))
      uses.push(use(`fn-${i}`, 'queue', 'dead', 'write'))
    }
    const pipeline = {
      ...pipelineSchema.parse({
        streams: { s: { shardCount: 1 } },
        functions,
        tables,
        queues: { dead: {}, 'a-queue-with-a-rather-long-name': {} },
      }),
      mappings: Object.keys(functions).map((f) => ({
        function: f,
        stream: 's',
        startingPosition: 'LATEST' as const,
        destinationConfig: { onFailure: { queue: 'a-queue-with-a-rather-long-name' } },
      })),
    } as unknown as Pipeline
    const g = layout(pipeline, uses)
    expect(g.edges.length).toBeGreaterThan(40)
    checkDrawing(g)
  })
})
