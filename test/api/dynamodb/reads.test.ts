import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { failure, served } from './client.ts'

async function fillReadings(p: Awaited<ReturnType<typeof served>>['p']) {
  for (let ts = 1; ts <= 10; ts++)
    p.table('readings').put({ deviceId: 'd-1', ts, celsius: 20 + ts, odd: ts % 2 === 1 })
  p.table('readings').put({ deviceId: 'd-2', ts: 1, celsius: 5, odd: true })
}

describe('DynamoDB API: Query and Scan', () => {
  it('queries a partition in sort order, pages with Limit and ExclusiveStartKey, filters and projects', async () => {
    const { p, ddb } = await served()
    await fillReadings(p)
    const base = {
      TableName: 'readings',
      KeyConditionExpression: 'deviceId = :d AND ts BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':d': { S: 'd-1' }, ':lo': { N: '2' }, ':hi': { N: '9' } },
    }
    const seen: string[] = []
    let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey']
    let pages = 0
    do {
      const page = await ddb.send(new QueryCommand({ ...base, Limit: 3, ExclusiveStartKey }))
      seen.push(...page.Items!.map((i) => i.ts!.N!))
      ExclusiveStartKey = page.LastEvaluatedKey
      pages++
    } while (ExclusiveStartKey)
    expect(seen).toEqual(['2', '3', '4', '5', '6', '7', '8', '9'])
    // 8 items in pages of 3, 3 and 2: the last page is not full, so it has no LastEvaluatedKey.
    expect(pages).toBe(3)

    const backwards = await ddb.send(
      new QueryCommand({
        ...base,
        ScanIndexForward: false,
        FilterExpression: 'odd = :t',
        ProjectionExpression: 'ts, celsius',
        ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ':t': { BOOL: true } },
      }),
    )
    expect(backwards.Items).toEqual([
      { ts: { N: '9' }, celsius: { N: '29' } },
      { ts: { N: '7' }, celsius: { N: '27' } },
      { ts: { N: '5' }, celsius: { N: '25' } },
      { ts: { N: '3' }, celsius: { N: '23' } },
    ])
    expect(backwards).toMatchObject({ Count: 4, ScannedCount: 8 })

    const count = await ddb
      .send(
        new QueryCommand({
          TableName: 'readings',
          KeyConditionExpression: 'deviceId = :d OR ts > :n',
          ExpressionAttributeValues: { ':d': { S: 'd-1' }, ':n': { N: '1' } },
        }),
      )
      .catch((e: Error) => e)
    expect((count as Error).message).toBe('Invalid operator used in KeyConditionExpression: OR')

    const counted = await ddb.send(
      new QueryCommand({
        TableName: 'readings',
        KeyConditionExpression: 'deviceId = :d AND ts >= :n',
        ExpressionAttributeValues: { ':d': { S: 'd-1' }, ':n': { N: '8' } },
        Select: 'COUNT',
      }),
    )
    expect(counted.Items).toBeUndefined()
    expect(counted).toMatchObject({ Count: 3, ScannedCount: 3 })
  })

  it('answers Query’s errors as DynamoDB does', async () => {
    const { ddb } = await served()
    const send = (c: object) => failure(ddb.send(c as never))
    expect(
      await send(
        new QueryCommand({
          TableName: 'readings',
          KeyConditionExpression: 'ts = :n',
          ExpressionAttributeValues: { ':n': { N: '1' } },
        }),
      ),
    ).toEqual({ name: 'ValidationException', message: 'Query condition missed key schema element: deviceId' })
    expect(
      await send(
        new QueryCommand({
          TableName: 'readings',
          KeyConditionExpression: 'deviceId = :d',
          FilterExpression: 'ts > :n',
          ExpressionAttributeValues: { ':d': { S: 'd' }, ':n': { N: '1' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Filter Expression can only contain non-primary key attributes: Primary key attribute: ts',
    })
    expect(
      await send(
        new QueryCommand({
          TableName: 'readings',
          IndexName: 'byTemp',
          KeyConditionExpression: 'deviceId = :d',
          ExpressionAttributeValues: { ':d': { S: 'd' } },
        }),
      ),
    ).toEqual({ name: 'ValidationException', message: 'The table does not have the specified index: byTemp' })
    expect(
      await send(
        new QueryCommand({
          TableName: 'readings',
          KeyConditionExpression: 'deviceId = :d',
          ExpressionAttributeValues: { ':d': { S: 'd' } },
          Select: 'COUNT',
          ProjectionExpression: 'celsius',
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        '1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count',
    })
    expect(
      await send(
        new QueryCommand({
          TableName: 'readings',
          KeyConditionExpression: 'deviceId = :d',
          ExpressionAttributeValues: { ':d': { S: 'd' } },
          ExclusiveStartKey: { deviceId: { S: 'other' }, ts: { N: '1' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'The provided starting key is outside query boundaries based on provided conditions',
    })
  })

  it('scans every item in pages, with a filter counted after the limit', async () => {
    const { p, ddb } = await served()
    await fillReadings(p)
    const keys: string[] = []
    let matched = 0
    let ExclusiveStartKey: ScanCommandOutput['LastEvaluatedKey']
    do {
      const page = await ddb.send(
        new ScanCommand({
          TableName: 'readings',
          Limit: 4,
          ExclusiveStartKey,
          FilterExpression: 'celsius > :t',
          ExpressionAttributeValues: { ':t': { N: '25' } },
        }),
      )
      expect(page.ScannedCount).toBeLessThanOrEqual(4)
      matched += page.Count!
      keys.push(...page.Items!.map((i) => `${i.deviceId!.S}/${i.ts!.N}`))
      ExclusiveStartKey = page.LastEvaluatedKey
    } while (ExclusiveStartKey)
    expect(matched).toBe(5)
    expect(keys).toEqual(['d-1/6', 'd-1/7', 'd-1/8', 'd-1/9', 'd-1/10'])
    const all = await ddb.send(new ScanCommand({ TableName: 'readings', Select: 'COUNT' }))
    expect(all).toMatchObject({ Count: 11, ScannedCount: 11 })
    const segments = await Promise.all(
      [0, 1].map((Segment) =>
        ddb.send(new ScanCommand({ TableName: 'readings', Segment, TotalSegments: 2 })),
      ),
    )
    expect(segments.reduce((n, s) => n + s.Count!, 0)).toBe(11)
  })
})

describe('DynamoDB API: batches and transactions', () => {
  it('writes and reads in batches', async () => {
    const { p, ddb } = await served()
    const written = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          devices: [
            { PutRequest: { Item: { deviceId: { S: 'a' }, n: { N: '1' } } } },
            { PutRequest: { Item: { deviceId: { S: 'b' } } } },
          ],
          readings: [{ PutRequest: { Item: { deviceId: { S: 'a' }, ts: { N: '1' } } } }],
        },
      }),
    )
    expect(written.UnprocessedItems).toEqual({})
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { devices: [{ DeleteRequest: { Key: { deviceId: { S: 'b' } } } }] },
      }),
    )
    expect(p.table('devices').count()).toBe(1)
    const read = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          devices: { Keys: [{ deviceId: { S: 'a' } }, { deviceId: { S: 'b' } }], ProjectionExpression: 'n' },
          readings: { Keys: [{ deviceId: { S: 'a' }, ts: { N: '1' } }] },
        },
      }),
    )
    expect(read.Responses).toEqual({
      devices: [{ n: { N: '1' } }],
      readings: [{ deviceId: { S: 'a' }, ts: { N: '1' } }],
    })
    expect(read.UnprocessedKeys).toEqual({})
    expect(
      await failure(
        ddb.send(
          new BatchWriteItemCommand({
            RequestItems: {
              devices: [
                { PutRequest: { Item: { deviceId: { S: 'c' } } } },
                { DeleteRequest: { Key: { deviceId: { S: 'c' } } } },
              ],
            },
          }),
        ),
      ),
    ).toEqual({ name: 'ValidationException', message: 'Provided list of item keys contains duplicates' })
    expect(
      await failure(
        ddb.send(
          new BatchWriteItemCommand({
            RequestItems: { nope: [{ PutRequest: { Item: { id: { S: 'c' } } } }] },
          }),
        ),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'Requested resource not found' })
    const puts = (n: number, table: string) =>
      Array.from({ length: n }, (_, i) => ({
        PutRequest: { Item: { deviceId: { S: `${table}-${i}` }, ts: { N: '1' } } },
      }))
    expect(
      await failure(
        ddb.send(
          new BatchWriteItemCommand({ RequestItems: { devices: puts(13, 'd'), readings: puts(13, 'r') } }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Too many items requested for the BatchWriteItem call',
    })
    expect(p.table('readings').count()).toBe(1)
  })

  it('applies a transaction whole, or not at all', async () => {
    const { p, ddb } = await served()
    p.table('devices').put({ deviceId: 'a', stock: 1 })
    const transaction = (stock: string) =>
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'devices',
              Key: { deviceId: { S: 'a' } },
              UpdateExpression: 'SET stock = stock - :one',
              ConditionExpression: 'stock >= :min',
              ExpressionAttributeValues: { ':one': { N: '1' }, ':min': { N: stock } },
            },
          },
          { Put: { TableName: 'readings', Item: { deviceId: { S: 'a' }, ts: { N: '1' } } } },
          {
            ConditionCheck: {
              TableName: 'devices',
              Key: { deviceId: { S: 'missing' } },
              ConditionExpression: 'attribute_not_exists(deviceId)',
            },
          },
        ],
      })
    const failed = await failure(ddb.send(transaction('5')))
    expect(failed).toEqual({
      name: 'TransactionCanceledException',
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]',
    })
    expect(p.table('readings').count()).toBe(0)
    // The reasons, one per item, as the SDK reads them off the error.
    const cancelled = (await ddb.send(transaction('5')).catch((e: unknown) => e)) as {
      CancellationReasons?: unknown
    }
    expect(cancelled.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      { Code: 'None' },
      { Code: 'None' },
    ])
    await ddb.send(transaction('1'))
    expect(p.table('devices').get({ deviceId: 'a' })).toEqual({ deviceId: 'a', stock: 0 })
    expect(p.table('readings').count()).toBe(1)

    const got = await ddb.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: 'devices', Key: { deviceId: { S: 'a' } } } },
          { Get: { TableName: 'devices', Key: { deviceId: { S: 'zzz' } } } },
        ],
      }),
    )
    expect(got.Responses).toEqual([{ Item: { deviceId: { S: 'a' }, stock: { N: '0' } } }, {}])
    expect(
      await failure(
        ddb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: 'devices', Item: { deviceId: { S: 'x' } } } },
              { Delete: { TableName: 'devices', Key: { deviceId: { S: 'x' } } } },
            ],
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Transaction request cannot include multiple operations on one item',
    })
  })
})
