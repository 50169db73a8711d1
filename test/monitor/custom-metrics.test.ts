import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'

const CONFIG = new URL('../fixtures/pipelines/custom-metrics/tributary.config.ts', import.meta.url).pathname

describe('custom metrics from handlers', () => {
  it('arrive through the metrics binding and the embedded metric format, and AWS/ namespaces are refused', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.runtime.fireSchedule('every')
    await p.until(() => p.logs.some((l) => l.message.startsWith('refused:')))
    expect(p.metric('Readings', { Site: 'north' }, 'Sensors')).toMatchObject({ sum: 42, count: 1 })
    expect(p.metric('Latency', { Site: 'north' }, 'Sensors')).toMatchObject({ sum: 30, count: 2, max: 18 })
    expect(p.logs.find((l) => l.message.startsWith('refused:'))?.message).toBe(
      'refused: InvalidParameterValue',
    )
    // The binding stamps datapoints with the pipeline's clock: the store answers queries on it.
    const now = p.clock.now()
    const points = p.runtime.metricStore.query({
      namespace: 'Sensors',
      name: 'Readings',
      dimensions: { Site: 'north' },
      stat: 'Sum',
      period: 60,
      start: now - 600_000,
      end: now + 60_000,
    })
    expect(points.map((d) => d.value)).toEqual([42])
  })
})
