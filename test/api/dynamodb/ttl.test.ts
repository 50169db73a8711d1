import {
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { clientFor, failure, reopened, served, TABLES } from './client.ts'

const ttl = (ddb: DynamoDBClient, TableName: string, Enabled: boolean, AttributeName: string) =>
  ddb.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled, AttributeName } }))
const status = async (ddb: DynamoDBClient, TableName: string) =>
  (await ddb.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription
const ids = async (ddb: DynamoDBClient, TableName: string) =>
  ((await ddb.send(new ScanCommand({ TableName }))).Items ?? []).map((i) => i.deviceId!.S).sort()

describe('DynamoDB time to live', () => {
  it("enables and disables TTL with DynamoDB's answers and errors, kept across a restart", async () => {
    const { p, ddb } = await served()
    expect(await status(ddb, 'devices')).toEqual({ TimeToLiveStatus: 'DISABLED' })
    expect(await failure(ttl(ddb, 'devices', false, 'expires'))).toEqual({
      name: 'ValidationException',
      message: 'TimeToLive is already disabled',
    })
    expect((await ttl(ddb, 'devices', true, 'expires')).TimeToLiveSpecification).toEqual({
      Enabled: true,
      AttributeName: 'expires',
    })
    expect(await status(ddb, 'devices')).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' })
    expect(await failure(ttl(ddb, 'devices', true, 'expires'))).toEqual({
      name: 'ValidationException',
      message: 'TimeToLive is already enabled',
    })
    for (const enabled of [true, false])
      expect(await failure(ttl(ddb, 'devices', enabled, 'other'))).toEqual({
        name: 'ValidationException',
        message: 'TimeToLive is active on a different AttributeName: current AttributeName is expires',
      })
    expect(await failure(ttl(ddb, 'missing', true, 'expires'))).toMatchObject({
      name: 'ResourceNotFoundException',
    })
    expect(await failure(ttl(ddb, 'devices', true, ''))).toMatchObject({ name: 'ValidationException' })

    await p.close()
    const again = await reopened(p)
    const after = clientFor(again)
    expect(await status(after, 'devices')).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' })
    await ttl(after, 'devices', false, 'expires')
    expect(await status(after, 'devices')).toEqual({ TimeToLiveStatus: 'DISABLED' })
  })

  it('deletes items once their expiry has passed, at the next sweep; keeps the rest', async () => {
    const { p, ddb } = await served()
    await ttl(ddb, 'devices', true, 'expires')
    const now = Math.floor(p.clock.now() / 1000)
    const put = (deviceId: string, expires?: Record<string, unknown>) =>
      ddb.send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: deviceId }, ...(expires ? { expires } : {}) } as never,
        }),
      )
    await put('past', { N: String(now - 10) })
    await put('past-fraction', { N: `${now - 10}.5` })
    await put('soon', { N: String(now + 90) })
    await put('string', { S: String(now - 10) })
    await put('ancient', { N: String(now - 6 * 365 * 24 * 3600) })
    await put('none')
    // An item holding a set is stored in another encoding (item-codec.ts): swept the same.
    await ddb.send(
      new PutItemCommand({
        TableName: 'devices',
        Item: { deviceId: { S: 'past-with-set' }, tags: { SS: ['a'] }, expires: { N: String(now - 1) } },
      }),
    )
    // Expired but not yet swept: still read, as on DynamoDB.
    expect(await ids(ddb, 'devices')).toContain('past')
    await p.advance(60_000)
    expect(await ids(ddb, 'devices')).toEqual(['ancient', 'none', 'soon', 'string'])
    await p.advance(60_000)
    expect(await ids(ddb, 'devices')).toEqual(['ancient', 'none', 'string'])
  })

  it('takes timeToLiveAttribute from the definition, which the API then may not change', async () => {
    const { p, ddb } = await served({
      tables: { ...TABLES, readings: { partitionKey: 'deviceId', timeToLiveAttribute: 'ttl' } },
    })
    expect(await status(ddb, 'readings')).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' })
    expect(await failure(ttl(ddb, 'readings', false, 'ttl'))).toEqual({
      name: 'ValidationException',
      message: 'Table readings declares timeToLiveAttribute in the pipeline definition; change it there',
    })
    const now = Math.floor(p.clock.now() / 1000)
    await ddb.send(
      new PutItemCommand({ TableName: 'readings', Item: { deviceId: { S: 'a' }, ttl: { N: String(now) } } }),
    )
    await ddb.send(
      new PutItemCommand({
        TableName: 'readings',
        Item: { deviceId: { S: 'b' }, ttl: { N: String(now + 3600) } },
      }),
    )
    await p.advance(60_000)
    expect(await ids(ddb, 'readings')).toEqual(['b'])
  })
})
