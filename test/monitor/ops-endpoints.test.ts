import { describe, expect, it, onTestFinished } from 'vitest'
import { loadPipeline } from '../../src/pipeline/load.ts'
import { PipelineRuntime } from '../../src/pipeline/runtime.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { freePort } from '../helpers/child-server.ts'
import { tempDir } from '../helpers/tmp.ts'

const CONFIG = new URL('../fixtures/pipelines/delivery-crash/tributary.config.ts', import.meta.url).pathname

describe('ops endpoints of a running pipeline', () => {
  it('/ready waits for the streams, /health answers at once, /metrics speaks Prometheus', async () => {
    const clock = new ManualClock(Date.now())
    const runtime = await PipelineRuntime.start({
      pipeline: await loadPipeline(CONFIG),
      dataDir: await tempDir(),
      clock,
      serve: { port: await freePort() },
    })
    onTestFinished(() => runtime.close())
    const url = runtime.server!.url
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`)
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
    }
    expect(await get('/health')).toMatchObject({ status: 200, body: '{"status":"ok"}' })
    expect(await get('/ready')).toMatchObject({
      status: 503,
      body: '{"status":"starting","waiting":["events"]}',
    })
    clock.advance(1000)
    await runtime.ready()
    expect(await get('/ready')).toMatchObject({ status: 200, body: '{"status":"ready"}' })
    const metrics = await get('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(metrics.body).toContain('# TYPE process_cpu_seconds_total counter')
  })
})
