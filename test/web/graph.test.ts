import { describe, expect, it } from 'vitest'
import { buildGraph, type GraphEdge } from '../../src/web/graph.ts'
import { testPipeline, use } from './fake-source.ts'

const summary = (edges: GraphEdge[]) => edges.map((e) => `${e.from} → ${e.to} (${e.label})`)

describe('buildGraph', () => {
  it('draws an edge per reference, in the direction data flows', () => {
    const { edges } = buildGraph(testPipeline())
    expect(summary(edges.filter((e) => e.type === 'config'))).toEqual(
      expect.arrayContaining([
        'stream:ingest → function:enrich (mapping)',
        'queue:work → function:enrich (mapping)',
        'function:enrich → queue:enrich-failures (on failure)',
        'queue:work → queue:work-dlq (dead letters)',
        'stream:ingest → delivery:archive (source)',
        'delivery:archive → bucket:lake (writes)',
        'schedule:tick → function:generate (trigger)',
      ]),
    )
    // A schedule's constant input is data, not a reference; reads/writes are binding edges.
    expect(edges.some((e) => e.to.includes('not-a-ref'))).toBe(false)
    expect(edges.filter((e) => e.type === 'config' && !e.from.startsWith('alarm:'))).toHaveLength(7)
    expect(edges.every((e) => e.id === `${e.from}>${e.to}>${e.label}`)).toBe(true)
  })

  it('draws what each function declares it writes (reads point into the function)', () => {
    const pipeline = testPipeline()
    pipeline.functions.enrich!.reads = [{ bucket: 'lake' }]
    const binding = buildGraph(pipeline).edges.filter((e) => e.type === 'binding')
    expect(binding).toEqual([
      expect.objectContaining({ from: 'bucket:lake', to: 'function:enrich', label: 'reads', declared: true }),
      expect.objectContaining({
        from: 'function:enrich',
        to: 'table:metadata',
        label: 'writes',
        declared: true,
        observed: false,
        undeclared: false,
        title: 'function enrich writes table metadata (declared; not used since start)',
      }),
      expect.objectContaining({
        from: 'function:generate',
        to: 'stream:ingest',
        label: 'writes',
        declared: true,
      }),
    ])
  })

  it('adds observed uses: declared and used, used without a declaration, and read-and-written as one edge', () => {
    const uses = [
      use('generate', 'stream', 'ingest', 'write'),
      use('enrich', 'table', 'metadata', 'write'),
      use('enrich', 'table', 'metadata', 'read'),
      use('generate', 'bucket', 'lake', 'write'),
      // Not a resource of the pipeline (any more): nothing to draw.
      use('generate', 'bucket', 'gone', 'write'),
    ]
    const binding = buildGraph(testPipeline(), uses).edges.filter((e) => e.type === 'binding')
    expect(binding.map((e) => [e.id, e.declared, e.observed, e.undeclared, e.twoWay ?? false])).toEqual([
      ['function:enrich>table:metadata>reads/writes', true, true, true, true],
      ['function:generate>stream:ingest>writes', true, true, false, false],
      ['function:generate>bucket:lake>writes', false, true, true, false],
    ])
    expect(binding[0]!.title).toBe(
      'function enrich reads table metadata without declaring it in reads: on AWS it would lack the permission; writes table metadata (declared)',
    )
  })

  it('draws alarms: from the resources they watch, to the topics their actions notify', () => {
    const pipeline = testPipeline()
    pipeline.alarms.EnrichErrors!.actions = { alarm: ['alerts'], ok: ['alerts'], insufficientData: [] }
    const { nodes, edges } = buildGraph(pipeline)
    expect(nodes).toContainEqual({ id: 'alarm:EnrichErrors', kind: 'alarm', name: 'EnrichErrors' })
    expect(edges.filter((e) => e.from.startsWith('alarm:') || e.to.startsWith('alarm:'))).toEqual([
      expect.objectContaining({
        from: 'function:enrich',
        to: 'alarm:EnrichErrors',
        label: '',
        type: 'metric',
      }),
      expect.objectContaining({
        from: 'alarm:EnrichErrors',
        to: 'topic:alerts',
        label: 'ALARM, OK',
        type: 'config',
      }),
    ])
  })

  it('covers topics, notifications, catalog tables and transforms', () => {
    const pipeline = testPipeline()
    pipeline.topics = { alerts: { subscriptions: [{ queue: 'work', rawMessageDelivery: false }] } }
    pipeline.buckets.lake = {
      notifications: [{ function: 'enrich', events: ['s3:ObjectCreated:*'] }],
    }
    pipeline.catalog = {
      sensors: {
        bucket: 'lake',
        prefix: 'curated/',
        format: 'parquet',
        columns: [{ name: 'a', type: 'int' }],
        partitionKeys: [],
      },
    }
    pipeline.deliveries.archive!.processing = {
      function: 'generate',
      bufferSizeInMBs: 1,
      bufferIntervalInSeconds: 60,
      numberOfRetries: 3,
    }
    expect(summary(buildGraph(pipeline).edges)).toEqual(
      expect.arrayContaining([
        'topic:alerts → queue:work (subscription)',
        'bucket:lake → function:enrich (notification)',
        'bucket:lake → catalog:sensors (files)',
        'delivery:archive → function:generate (transform)',
      ]),
    )
  })
})
