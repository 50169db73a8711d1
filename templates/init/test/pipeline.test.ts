import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { loadPipeline, PipelineRuntime } from 'tributary-pipeline'

const CONFIG = fileURLToPath(new URL('../tributary.config.ts', import.meta.url))

test('process-events writes every event to the processed bucket, named by its record', async (t) => {
  // The whole pipeline, with its own state in a temporary directory and the Kinesis API on a
  // free port: the test talks to it with the AWS SDK exactly as production code talks to AWS.
  const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-test-'))
  const runtime = await PipelineRuntime.start({
    pipeline: await loadPipeline(CONFIG),
    dataDir,
    serve: { port: 0 },
  })
  const kinesis = new KinesisClient({
    endpoint: runtime.server!.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  t.after(async () => {
    kinesis.destroy()
    await runtime.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  // Streams start out CREATING, as on AWS.
  await runtime.ready()

  // Listen before putting, so no object can be written unseen; the test waits on these events.
  const written = new Set<string>()
  const allWritten = new Promise<void>((resolve) => {
    runtime.buckets.onObjectCreated(({ bucket, key }) => {
      if (bucket === 'processed') written.add(key)
      if (written.size === 2) resolve()
    })
  })
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: 'events',
      Records: [
        { PartitionKey: 'user-1', Data: Buffer.from(JSON.stringify({ type: 'click', page: '/home' })) },
        { PartitionKey: 'user-1', Data: Buffer.from('not an event') },
        { PartitionKey: 'user-2', Data: Buffer.from(JSON.stringify({ type: 'view', page: '/docs' })) },
      ],
    }),
  )
  assert.equal(put.FailedRecordCount, 0)
  await allWritten

  const [click, , view] = put.Records!
  assert.deepEqual([...written].sort(), [
    `events/click/${click!.SequenceNumber}.json`,
    `events/view/${view!.SequenceNumber}.json`,
  ])
  // A bucket is a directory of the data directory: lake/<bucket>/<key>.
  const object = JSON.parse(
    await readFile(join(dataDir, 'lake', 'processed', `events/click/${click!.SequenceNumber}.json`), 'utf8'),
  )
  assert.equal(object.type, 'click')
  assert.equal(object.page, '/home')
})
