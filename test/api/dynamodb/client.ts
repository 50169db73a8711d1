import { rm } from 'node:fs/promises'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'

export const TABLES = {
  devices: { partitionKey: 'deviceId' },
  readings: { partitionKey: 'deviceId', sortKey: 'ts' },
}

export function clientFor(p: TestPipeline): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  })
  onTestFinished(() => client.destroy())
  return client
}

/**
 * The pipeline of {@link served} started again (after `p.close()`) on `p`'s data directory and
 * clock, closed and its data directory removed when the test finishes.
 */
export async function reopened(p: TestPipeline): Promise<TestPipeline> {
  const again = await startPipeline(
    { name: 'ddb', tables: TABLES },
    { serve: true, dataDir: p.dataDir, clock: p.clock },
  )
  onTestFinished(async () => {
    await again.close()
    await rm(p.dataDir, { recursive: true, force: true })
  })
  return again
}

/** A pipeline with the two tables, served, and a DynamoDB client for it. */
export async function served(definition: Record<string, unknown> = {}) {
  const p = await startPipeline(
    { name: 'ddb', tables: TABLES, ...definition },
    { serve: true, teardown: onTestFinished },
  )
  return { p, ddb: clientFor(p) }
}

/** The error a promise rejects with: its name (the __type's code) and message. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } }
    return { name: e.name, message: e.message }
  }
  throw new Error('expected the request to fail')
}
