import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clientFor, TABLES } from './client.ts'

const DIR = new URL('./fixture/', import.meta.url).pathname

describe('DynamoDB API and the pipeline’s tables', () => {
  it('shares items with the functions’ table() bindings and the table service, both ways', async () => {
    const p = await startPipeline(
      {
        name: 'ddb-interop',
        streams: { events: { shardCount: 1 } },
        functions: { enrich: { handler: 'functions/enrich.handler' } },
        mappings: [{ function: 'enrich', stream: 'events', startingPosition: 'TRIM_HORIZON' }],
        tables: TABLES,
      },
      { dir: DIR, serve: true, teardown: onTestFinished },
    )
    const ddb = clientFor(p)
    await ddb.send(
      new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'd-1' }, name: { S: 'boiler' } } }),
    )
    await p.put('events', [
      { deviceId: 'd-1', ts: 1 },
      { deviceId: 'd-2', ts: 2 },
    ])
    await p.settle()
    // What the function wrote through its binding, read through the API.
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: 'readings',
        KeyConditionExpression: 'deviceId = :d',
        ExpressionAttributeValues: { ':d': { S: 'd-1' } },
      }),
    )
    expect(Items).toEqual([{ deviceId: { S: 'd-1' }, ts: { N: '1' }, name: { S: 'boiler' } }])
    const other = await ddb.send(
      new GetItemCommand({ TableName: 'readings', Key: { deviceId: { S: 'd-2' }, ts: { N: '2' } } }),
    )
    expect(other.Item).toEqual({ deviceId: { S: 'd-2' }, ts: { N: '2' }, name: { NULL: true } })
    // And the table service (the harness's inspector) sees what the API wrote.
    expect(p.table('devices').get({ deviceId: 'd-1' })).toEqual({ deviceId: 'd-1', name: 'boiler' })
  })

  it('keeps items written through the API across a restart', async () => {
    const definition = { name: 'ddb-restart', tables: TABLES }
    let dispose: (() => Promise<void>) | undefined
    const p = await startPipeline(definition, { serve: true, teardown: (d) => (dispose = d) })
    onTestFinished(() => dispose?.())
    const first = clientFor(p)
    await first.send(
      new PutItemCommand({
        TableName: 'readings',
        Item: { deviceId: { S: 'd-1' }, ts: { N: '7' }, v: { M: { x: { L: [{ N: '1.5' }] } } } },
      }),
    )
    await p.close()

    const again = await startPipeline(definition, {
      dataDir: p.dataDir,
      serve: true,
      teardown: onTestFinished,
    })
    const { Item } = await clientFor(again).send(
      new GetItemCommand({ TableName: 'readings', Key: { deviceId: { S: 'd-1' }, ts: { N: '7' } } }),
    )
    expect(Item).toEqual({ deviceId: { S: 'd-1' }, ts: { N: '7' }, v: { M: { x: { L: [{ N: '1.5' }] } } } })
  })
})
