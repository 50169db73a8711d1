import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { onTestFinished } from 'vitest'
import { TributaryServer } from '../../src/api/server.ts'
import { type EngineOptions, StreamEngine } from '../../src/engine/engine.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from './tmp.ts'

export interface TestServer {
  engine: StreamEngine
  server: TributaryServer
  url: string
  dataDir: string
  clock: ManualClock
  /** A real AWS SDK v3 client pointed at the server. */
  client: KinesisClient
  /** Advances the clock by `ms` (default: past every state-change delay) and waits for changes to finish. */
  settle(ms?: number): Promise<void>
  /** Stops the server and engine (also done automatically after the test). */
  close(): Promise<void>
}

export interface TestServerOptions extends Partial<Omit<EngineOptions, 'clock'>> {
  auth?: { keys: Map<string, string> }
  allowedHosts?: string[]
  maxBodyBytes?: number
  /** Start time of the manual clock (default: now, so SigV4 signatures from the SDK are current). */
  startTime?: number
  /**
   * 'test' (default): closed when the current test finishes. 'manual': for a server shared by a
   * whole file (started in `beforeAll`, outside any test); the caller closes it and must pass its
   * own `dataDir`.
   */
  cleanup?: 'test' | 'manual'
}

/**
 * An engine and server on a random loopback port over a fresh temp data dir, with a manual clock:
 * CREATING/UPDATING/DELETING complete when the test advances it (`settle()`), never by sleeping.
 */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  if (options.cleanup === 'manual' && options.dataDir === undefined)
    throw new Error("startServer({ cleanup: 'manual' }) needs a dataDir")
  const dataDir = options.dataDir ?? (await tempDir())
  const clock = new ManualClock(options.startTime ?? Date.now())
  const engine = await StreamEngine.open({ ...options, dataDir, clock })
  const server = await TributaryServer.start({
    engine,
    port: 0,
    auth: options.auth,
    allowedHosts: options.allowedHosts,
    maxBodyBytes: options.maxBodyBytes,
  })
  const client = kinesisClient(server.url)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    client.destroy()
    await server.close()
    await engine.close()
  }
  if (options.cleanup !== 'manual') onTestFinished(close)
  return {
    engine,
    server,
    url: server.url,
    dataDir,
    clock,
    client,
    async settle(ms = 1_000) {
      clock.advance(ms)
      await engine.whenSettled()
    },
    close,
  }
}

export function kinesisClient(
  endpoint: string,
  credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
): KinesisClient {
  // HTTP/1.1 on purpose: the API tests written with this client keep HTTP/1.1 covered; the SDK's
  // default handler (HTTP/2) runs every operation in test/clients/sdk-v3-default.test.ts.
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  })
}

/** Creates a stream and waits (on the manual clock) until it is ACTIVE. */
export async function createActiveStream(t: TestServer, name: string, shardCount = 1): Promise<void> {
  t.engine.createStream(name, { shardCount })
  await t.settle()
}
