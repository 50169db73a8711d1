import { FirehoseClient } from '@aws-sdk/client-firehose'
import { expect, onTestFinished } from 'vitest'
import { TributaryServer } from '../../../src/api/server.ts'
import type { DeliveryConfig } from '../../../src/delivery/config.ts'
import type { DeliveryDescription, DeliveryService } from '../../../src/delivery/types.ts'
import { StreamEngine } from '../../../src/engine/engine.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'

/**
 * A test double for the delivery runtime: an in-memory DeliveryService that records what the API
 * hands it. The API tests only check the wire contract; the real runtime (src/delivery/streams)
 * gets its own end-to-end tests. Streams stay CREATING until `activate()`, like the real one's
 * short creation delay.
 */
export class InMemoryDelivery implements DeliveryService {
  readonly streams = new Map<string, DeliveryDescription>()
  readonly records = new Map<string, Buffer[]>()
  #nextId = 0

  constructor(private readonly now: () => number) {}

  has(name: string): boolean {
    return this.streams.has(name)
  }

  names(): string[] {
    return [...this.streams.keys()]
  }

  describe(name: string): DeliveryDescription | undefined {
    return this.streams.get(name)
  }

  create(name: string, config: DeliveryConfig): void {
    const at = this.now()
    this.streams.set(name, { name, status: 'CREATING', config, createdAt: at, lastUpdatedAt: at, version: 1 })
    this.records.set(name, [])
  }

  delete(name: string): void {
    this.streams.delete(name)
    this.records.delete(name)
  }

  async put(name: string, records: Buffer[]): Promise<{ recordId: string }[]> {
    this.records.get(name)!.push(...records)
    return records.map(() => ({ recordId: `record-${++this.#nextId}` }))
  }

  /** Completes creation of every CREATING stream. */
  activate(): void {
    for (const d of this.streams.values()) if (d.status === 'CREATING') d.status = 'ACTIVE'
  }
}

export interface FirehoseTestServer {
  engine: StreamEngine
  server: TributaryServer
  delivery: InMemoryDelivery
  client: FirehoseClient
  url: string
  clock: ManualClock
}

export const ACCOUNT = '000000000000'
export const START = Date.UTC(2026, 0, 2, 3, 4, 5)

/** An engine, the in-memory delivery double and a server on a loopback port, closed after the test. */
export async function startFirehoseServer(): Promise<FirehoseTestServer> {
  const dataDir = await tempDir()
  const clock = new ManualClock(Date.now())
  const engine = await StreamEngine.open({ dataDir, clock })
  const delivery = new InMemoryDelivery(() => START)
  const server = await TributaryServer.start({ engine, port: 0, firehose: delivery })
  const client = new FirehoseClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  })
  onTestFinished(async () => {
    client.destroy()
    await server.close()
    await engine.close()
  })
  return { engine, server, delivery, client, url: server.url, clock }
}

/** What an SDK call rejected with, as `{__type, message, status}` for inline snapshots. */
export async function wireError(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (outcome === undefined) expect.fail('expected the call to fail, but it succeeded')
  const e = outcome as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  return { __type: e.name, message: e.message, status: e.$metadata?.httpStatusCode }
}

export const ROLE = `arn:aws:iam::${ACCOUNT}:role/firehose-role`

/** The smallest valid direct-put request to a bucket. */
export function s3Stream(name: string, extra: Record<string, unknown> = {}) {
  return {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake', ...extra },
  }
}
