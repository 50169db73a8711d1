import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadPipeline } from '../../../src/pipeline/load.ts'
import { PipelineRuntime } from '../../../src/pipeline/runtime.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { freePort } from '../../helpers/child-server.ts'
import { filesUnder } from '../../helpers/files.ts'
import { tempDir } from '../../helpers/tmp.ts'

const CONFIG = new URL('../../fixtures/pipelines/delivery-crash/tributary.config.ts', import.meta.url)
  .pathname

describe('the Firehose API against the real delivery runtime', () => {
  it('creates a direct-put delivery stream, takes PutRecordBatch and lands the records in the lake', async () => {
    const clock = new ManualClock(Date.now())
    const dataDir = await tempDir()
    const runtime = await PipelineRuntime.start({
      pipeline: await loadPipeline(CONFIG),
      dataDir,
      clock,
      serve: { port: await freePort() },
    })
    onTestFinished(() => runtime.close())
    const client = new FirehoseClient({
      endpoint: runtime.server!.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    onTestFinished(() => client.destroy())
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'api-direct',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::lake',
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          Prefix: 'api/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          CompressionFormat: 'UNCOMPRESSED',
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'AppendDelimiterToRecord',
                Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }],
              },
            ],
          },
        },
      }),
    )
    const status = async () =>
      (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-direct' })))
        .DeliveryStreamDescription?.DeliveryStreamStatus
    expect(await status()).toBe('CREATING')
    clock.advance(1000)
    // Polled, not counted: a fixed number of turns ran out on a loaded CI box.
    await expect.poll(status, { timeout: 30_000, interval: 5 }).toBe('ACTIVE')

    const records = Array.from({ length: 20 }, (_, i) => ({ Data: Buffer.from(JSON.stringify({ i })) }))
    const out = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'api-direct', Records: records }),
    )
    expect(out.FailedPutCount).toBe(0)
    expect(out.RequestResponses).toHaveLength(20)

    const bucket = join(dataDir, 'lake', 'lake')
    const landed = async () => (await filesUnder(bucket)).filter((f) => f.startsWith('api/'))
    clock.advance(61_000)
    await expect
      .poll(async () => (await landed()).length, { timeout: 30_000, interval: 5 })
      .toBeGreaterThan(0)
    const [file] = await landed()
    expect(file).toMatch(/^api\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/api-direct-direct-\d{20}-\d{20}\.json$/)
    const lines = (await readFile(join(bucket, file!), 'utf8')).trim().split('\n')
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(records.map((_, i) => i))
  })
})
