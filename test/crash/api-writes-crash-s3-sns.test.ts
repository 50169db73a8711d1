/**
 * SIGKILL while clients write through the S3 and SNS APIs: every object whose PutObject or
 * CompleteMultipartUpload was acknowledged is there byte for byte after a restart (and every
 * acknowledged part of an upload still in progress), every topic and
 * subscription whose CreateTopic/Subscribe was acknowledged exists, and every acknowledged Publish
 * reached the topic's queue subscription (at least once, as SNS to SQS delivers).
 */
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { tempDir } from '../helpers/tmp.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:delivered'

/** An object's bytes, derived from its key so the check needs nothing else: 1-64 KiB. */
function bytesOf(key: string): Buffer {
  const seed = createHash('sha256').update(key).digest()
  const size = 1024 + (seed.readUInt16BE(0) % (63 * 1024))
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += seed.length) seed.copy(out, i)
  return out
}

describe('SIGKILL during S3 and SNS API writes', () => {
  it('loses no acknowledged object, multipart upload, topic, subscription or publish', async () => {
    const dir = await tempDir()
    const dataDir = join(dir, 'data')
    const config = join(dir, 'tributary.config.ts')
    await writeFile(
      config,
      "export default { name: 'api-crash-s3-sns', buckets: { lake: {} }, queues: { delivered: {} }, topics: { news: { subscriptions: [{ queue: 'delivered' }] } } }\n",
    )
    const port = String(await freePort())
    const dev = spawnDev([config, '--data-dir', dataDir, '--port', port, '--summary', '0', '--no-watch'])
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = { endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 }
    const s3 = new S3Client({ ...client, forcePathStyle: true })
    const sns = new SNSClient(client)
    onTestFinished(() => {
      s3.destroy()
      sns.destroy()
    })
    const objects = new Set<string>()
    const multipart = new Set<string>()
    // Parts acknowledged of uploads not (yet) acknowledged complete: key → upload id.
    const partsUp = new Map<string, string>()
    const published = new Set<string>()
    const topics = new Set<string>()
    const subscribed = new Set<string>()
    const writers = {
      object: async (w: number, i: number) => {
        const Key = `put/${w}/${i}`
        await s3.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: bytesOf(Key) }))
        objects.add(Key)
      },
      multipart: async (w: number, i: number) => {
        const Key = `multipart/${w}/${i}`
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key }))
        const { ETag } = await s3.send(
          new UploadPartCommand({ Bucket: 'lake', Key, UploadId, PartNumber: 1, Body: bytesOf(Key) }),
        )
        partsUp.set(Key, UploadId!)
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'lake',
            Key,
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
          }),
        )
        multipart.add(Key)
        partsUp.delete(Key)
      },
      publish: async (w: number, i: number) => {
        const id = `${w}-${i}`
        await sns.send(
          new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:news', Message: id }),
        )
        published.add(id)
      },
      topic: async (w: number, i: number) => {
        const name = `made-${w}-${i}`
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }))
        topics.add(name)
        await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: QUEUE_ARN }))
        subscribed.add(name)
      },
    }
    // Two writers of each kind, until the process dies under them.
    const run = async (w: number, write: (w: number, i: number) => Promise<void>) => {
      for (let i = 0; ; i++) {
        try {
          await write(w, i)
        } catch {
          return
        }
      }
    }
    const all = [0, 1].flatMap((w) => Object.values(writers).map((write) => run(w, write)))
    while (objects.size < 60 || multipart.size < 20 || published.size < 100 || subscribed.size < 20)
      await new Promise((r) => setImmediate(r))
    await dev.kill('SIGKILL')
    await Promise.all(all)

    const p = await startPipeline(config, { dataDir, teardown: onTestFinished })
    for (const key of [...objects, ...multipart]) {
      const object = await p.runtime.buckets.getObject('lake', key).catch(() => undefined)
      expect(object?.body.equals(bytesOf(key)), `object ${key}`).toBe(true)
    }
    // An acknowledged part is kept (or its upload was completed just before the kill).
    for (const [key, uploadId] of partsUp) {
      const part = await readFile(join(dataDir, 'lake', '.multipart', uploadId, 'part-00001')).catch(
        () => undefined,
      )
      const object = part ? undefined : await p.runtime.buckets.getObject('lake', key).catch(() => undefined)
      expect((part ?? object?.body)?.equals(bytesOf(key)), `part of ${key}`).toBe(true)
    }
    for (const name of topics) expect(p.runtime.topics.has(name), `topic ${name}`).toBe(true)
    for (const name of subscribed)
      expect(
        p.runtime.topics.subscriptions(name).some((s) => s.endpoint === QUEUE_ARN),
        `subscription of ${name}`,
      ).toBe(true)
    const delivered = new Set(
      p
        .queue('delivered')
        .json<{ Message: string }>()
        .map((m) => m.Message),
    )
    for (const id of published) expect(delivered.has(id), `publish ${id}`).toBe(true)
    expect(objects.size).toBeGreaterThanOrEqual(60)
    expect(multipart.size).toBeGreaterThanOrEqual(20)
    expect(published.size).toBeGreaterThanOrEqual(100)
  }, 90_000)
})
