import { describe, expect, it } from 'vitest'
import {
  awsTransportEnvironment,
  awsTransportMode,
  searchIndexEnvironment,
} from '../../src/functions/aws-transport-env.ts'
import type { FunctionConfig } from '../../src/functions/config.ts'

const apis = { endpointUrl: 'http://127.0.0.1:4567/', region: 'eu-west-1', account: '123456789012' }

describe('a function environment under TRIBUTARY_TRANSPORT=aws', () => {
  it('names each declared resource as the served AWS APIs take it, as a deployment would', () => {
    const fn = {
      handler: 'f.handler',
      reads: [{ bucket: 'raw-events' }, { table: 'devices' }],
      // A metrics namespace is named in the call: no variable.
      writes: [
        { table: 'devices' },
        { queue: 'alerts' },
        { topic: 'alarms' },
        { stream: 'telemetry' },
        { index: 'trips' },
        { metrics: 'Telemetry' },
      ],
    } as FunctionConfig
    expect(awsTransportEnvironment('ingest', fn, apis, {})).toEqual({
      TRIBUTARY_TRANSPORT: 'aws',
      TRIBUTARY_PIPELINE: 'ingest',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      AWS_ACCESS_KEY_ID: 'ASIATRIBUTARYLOCAL00',
      AWS_SECRET_ACCESS_KEY: 'tributary-local-secret',
      TRIBUTARY_BUCKET_RAW_EVENTS: 'raw-events',
      TRIBUTARY_TABLE_DEVICES: 'devices',
      TRIBUTARY_QUEUE_ALERTS: 'http://127.0.0.1:4567/123456789012/alerts',
      TRIBUTARY_TOPIC_ALARMS: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      TRIBUTARY_STREAM_TELEMETRY: 'telemetry',
      TRIBUTARY_INDEX_TRIPS: 'http://127.0.0.1:4567/_opensearch',
    })
  })

  it('names declared search indexes by the served OpenSearch API in every mode (there is no local binding)', () => {
    const fn = {
      handler: 'f.handler',
      reads: [{ index: 'zone-hourly' }, { bucket: 'raw' }],
      writes: [{ index: 'trips' }],
    } as FunctionConfig
    expect(searchIndexEnvironment(fn, 'http://127.0.0.1:4567/')).toEqual({
      TRIBUTARY_INDEX_ZONE_HOURLY: 'http://127.0.0.1:4567/_opensearch',
      TRIBUTARY_INDEX_TRIPS: 'http://127.0.0.1:4567/_opensearch',
    })
    expect(searchIndexEnvironment({ handler: 'f.handler' } as FunctionConfig, 'http://x')).toEqual({})
  })

  it('keeps the engine’s own credentials, and sets nothing for undeclared resources', () => {
    const env = awsTransportEnvironment('p', { handler: 'f.handler' } as FunctionConfig, apis, {
      AWS_ACCESS_KEY_ID: 'mine',
    })
    expect(env).toEqual({
      TRIBUTARY_TRANSPORT: 'aws',
      TRIBUTARY_PIPELINE: 'p',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
    })
  })

  it.each([
    [{ TRIBUTARY_TRANSPORT: 'aws' }, true],
    [{ TRIBUTARY_TRANSPORT: 'local' }, false],
    [{}, false],
  ])('%j → %s', (env, on) => {
    expect(awsTransportMode(env)).toBe(on)
  })
})
