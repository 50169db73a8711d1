/**
 * SIGKILL while clients write through the pipeline's AWS APIs: every write that was acknowledged
 * (a 200) is there after a restart, as for records put on a stream. DynamoDB items and SQS messages
 * land in the state store, committed before the reply.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { tempDir } from '../helpers/tmp.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }

describe('SIGKILL during API writes', () => {
  it('loses no acknowledged DynamoDB item or SQS message', async () => {
    const dir = await tempDir()
    const dataDir = join(dir, 'data')
    const config = join(dir, 'tributary.config.ts')
    await writeFile(
      config,
      "export default { name: 'api-crash', tables: { orders: { partitionKey: 'id' } }, queues: { jobs: {} } }\n",
    )
    const port = String(await freePort())
    const dev = spawnDev([config, '--data-dir', dataDir, '--port', port, '--summary', '0', '--no-watch'])
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = { endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 }
    const ddb = new DynamoDBClient(client)
    const sqs = new SQSClient(client)
    onTestFinished(() => {
      ddb.destroy()
      sqs.destroy()
    })
    const queueUrl = `${url}/000000000000/jobs`
    const items = new Set<string>()
    const messages = new Set<string>()
    // Four writers of each kind, until the process dies under them.
    const writer = async (w: number, kind: 'item' | 'message') => {
      for (let i = 0; ; i++) {
        const id = `${w}-${i}`
        try {
          if (kind === 'item')
            await ddb.send(
              new PutItemCommand({ TableName: 'orders', Item: { id: { S: id }, n: { N: String(i) } } }),
            )
          else await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: id }))
        } catch {
          return
        }
        ;(kind === 'item' ? items : messages).add(id)
      }
    }
    const writers = [0, 1, 2, 3].flatMap((w) => [writer(w, 'item'), writer(w, 'message')])
    while (items.size < 200 || messages.size < 200) await new Promise((r) => setImmediate(r))
    await dev.kill('SIGKILL')
    await Promise.all(writers)

    const p = await startPipeline(config, { dataDir, teardown: onTestFinished })
    const stored = new Set(
      (p.table('orders').scan({ limit: 100_000 }).items as { id: string }[]).map((item) => item.id),
    )
    for (const id of items) expect(stored.has(id), `item ${id}`).toBe(true)
    const queued = new Set(
      p
        .queue('jobs')
        .messages()
        .map((m) => m.body),
    )
    for (const id of messages) expect(queued.has(id), `message ${id}`).toBe(true)
    expect(items.size).toBeGreaterThanOrEqual(200)
    expect(messages.size).toBeGreaterThanOrEqual(200)
  }, 60_000)
})
