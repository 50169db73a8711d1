import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { startPipeline } from 'tributary-pipeline/testing'

const CONFIG = new URL('../tributary.config.ts', import.meta.url)

test('process-events writes every event to the processed bucket, named by its record', async (t) => {
  // The whole pipeline in this process, on a clock only the test moves, with its own state in a
  // temporary directory, and the Kinesis API on a free port: the test talks to it with the AWS
  // SDK exactly as production code talks to AWS. Everything stops (and the directory goes) after.
  const p = await startPipeline(CONFIG, { serve: true, teardown: (dispose) => t.after(dispose) })

  const put = await p.kinesis!.send(
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
  // No sleeping: settle() returns once the handler has taken every record and its writes are done.
  await p.settle()

  const [click, , view] = put.Records!
  assert.deepEqual(await p.lake.keys('processed'), [
    `events/click/${click!.SequenceNumber}.json`,
    `events/view/${view!.SequenceNumber}.json`,
  ])
  const object = await p.lake.json<{ type: string; page: string }>(
    'processed',
    `events/click/${click!.SequenceNumber}.json`,
  )
  assert.equal(object.type, 'click')
  assert.equal(object.page, '/home')
})
