import { describe, expect, it } from 'vitest'
import { buildGraph } from '../../src/web/graph.ts'
import { testPipeline } from './fake-source.ts'

describe('buildGraph', () => {
  it('draws an edge per reference, in the direction data flows', () => {
    const { edges } = buildGraph(testPipeline())
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: 'stream:ingest', to: 'function:enrich', label: 'mapping' },
        { from: 'queue:work', to: 'function:enrich', label: 'mapping' },
        { from: 'function:enrich', to: 'queue:work-dlq', label: 'on failure' },
        { from: 'queue:work', to: 'queue:work-dlq', label: 'dead letters' },
        { from: 'stream:ingest', to: 'delivery:archive', label: 'source' },
        { from: 'delivery:archive', to: 'bucket:lake', label: 'writes' },
        { from: 'schedule:tick', to: 'function:generate', label: 'trigger' },
      ]),
    )
    // A schedule's constant input is data, not a reference.
    expect(edges.some((e) => e.to.includes('not-a-ref'))).toBe(false)
    expect(edges).toHaveLength(7)
  })

  it('lays sources out first and sinks after what feeds them', () => {
    const layer = Object.fromEntries(buildGraph(testPipeline()).nodes.map((n) => [n.id, n.layer]))
    expect(layer).toMatchObject({
      'stream:ingest': 0,
      'schedule:tick': 0,
      'function:enrich': 1,
      'delivery:archive': 1,
      'bucket:lake': 2,
      'queue:work-dlq': 2,
      // Unconnected resources (written by handlers through bindings) go with the sinks.
      'table:metadata': 2,
    })
  })

  it('terminates on cycles and covers topics, notifications, catalog tables and transforms', () => {
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
    const { edges, nodes } = buildGraph(pipeline)
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: 'topic:alerts', to: 'queue:work', label: 'subscription' },
        { from: 'bucket:lake', to: 'function:enrich', label: 'notification' },
        { from: 'bucket:lake', to: 'catalog:sensors', label: 'files' },
        { from: 'delivery:archive', to: 'function:generate', label: 'transform' },
      ]),
    )
    // enrich → work-dlq … and lake → enrich → … form no infinite layering.
    expect(Math.max(...nodes.map((n) => n.layer))).toBeLessThan(nodes.length)
  })
})
