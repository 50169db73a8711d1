import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb'
import { QueryCommand as DocQueryCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clientFor, failure, reopened, served, TABLES } from './client.ts'

const orders: CreateTableCommandInput = {
  TableName: 'orders',
  KeySchema: [
    { AttributeName: 'customer', KeyType: 'HASH' },
    { AttributeName: 'orderId', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'customer', AttributeType: 'S' },
    { AttributeName: 'orderId', AttributeType: 'S' },
    { AttributeName: 'placedAt', AttributeType: 'N' },
    { AttributeName: 'state', AttributeType: 'S' },
  ],
  LocalSecondaryIndexes: [
    {
      IndexName: 'byPlacedAt',
      KeySchema: [
        { AttributeName: 'customer', KeyType: 'HASH' },
        { AttributeName: 'placedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byState',
      KeySchema: [
        { AttributeName: 'state', KeyType: 'HASH' },
        { AttributeName: 'placedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
    },
    {
      IndexName: 'everything',
      KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
}

const ORDERS = [
  { customer: 'c-1', orderId: 'o-1', placedAt: 30, state: 'open', total: 10, note: 'a' },
  { customer: 'c-1', orderId: 'o-2', placedAt: 10, state: 'open', total: 20, note: 'b' },
  { customer: 'c-1', orderId: 'o-3', placedAt: 20, total: 30, note: 'no state: not in byState' },
  { customer: 'c-2', orderId: 'o-1', placedAt: 15, state: 'open', total: 40, note: 'd' },
  { customer: 'c-2', orderId: 'o-2', placedAt: 5, state: 'shipped', total: 50, note: 'e' },
]

async function fill(ddb: DynamoDBClient) {
  for (const { customer, orderId, placedAt, state, total, note } of ORDERS) {
    const Item: Record<string, unknown> = {
      customer: { S: customer },
      orderId: { S: orderId },
      placedAt: { N: String(placedAt) },
      total: { N: String(total) },
      note: { S: note },
    }
    if (state !== undefined) Item.state = { S: state }
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: Item as never }))
  }
}

/** Every page of a Query, following LastEvaluatedKey. */
async function allPages(ddb: DynamoDBClient, input: QueryCommandInput) {
  const pages = []
  let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey']
  do {
    const page = await ddb.send(new QueryCommand({ ...input, ExclusiveStartKey }))
    pages.push(page)
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  return pages
}

describe('DynamoDB secondary indexes', () => {
  it('CreateTable with local and global indexes: Query and Scan them, sparse, projected, paged; kept across a restart', async () => {
    const p = await startPipeline({ name: 'ddb', tables: TABLES }, { serve: true })
    let ddb = clientFor(p)
    await ddb.send(new CreateTableCommand(orders))
    await fill(ddb)

    // A global index: only the items with `state`, ordered by placedAt; INCLUDE projects `total`.
    const pages = await allPages(ddb, {
      TableName: 'orders',
      IndexName: 'byState',
      KeyConditionExpression: '#s = :open AND placedAt > :t',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: { ':open': { S: 'open' }, ':t': { N: '0' } },
      Limit: 2,
    })
    expect(pages.map((page) => page.Items!.map((i) => `${i.customer!.S}/${i.orderId!.S}`))).toEqual([
      ['c-1/o-2', 'c-2/o-1'],
      ['c-1/o-1'],
    ])
    expect(pages[0]!.Items![0]).toEqual({
      customer: { S: 'c-1' },
      orderId: { S: 'o-2' },
      placedAt: { N: '10' },
      state: { S: 'open' },
      total: { N: '20' },
    })
    // LastEvaluatedKey: the index's keys and the table's.
    expect(pages[0]!.LastEvaluatedKey).toEqual({
      state: { S: 'open' },
      placedAt: { N: '15' },
      customer: { S: 'c-2' },
      orderId: { S: 'o-1' },
    })

    // A local index, KEYS_ONLY, newest first; ALL_ATTRIBUTES fetches the rest from the table.
    const local = await ddb.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byPlacedAt',
        KeyConditionExpression: 'customer = :c',
        ExpressionAttributeValues: { ':c': { S: 'c-1' } },
        ScanIndexForward: false,
      }),
    )
    expect(local.Items).toEqual([
      { customer: { S: 'c-1' }, orderId: { S: 'o-1' }, placedAt: { N: '30' } },
      { customer: { S: 'c-1' }, orderId: { S: 'o-3' }, placedAt: { N: '20' } },
      { customer: { S: 'c-1' }, orderId: { S: 'o-2' }, placedAt: { N: '10' } },
    ])
    const full = await ddb.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byPlacedAt',
        KeyConditionExpression: 'customer = :c AND placedAt BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':c': { S: 'c-1' }, ':a': { N: '15' }, ':b': { N: '30' } },
        Select: 'ALL_ATTRIBUTES',
      }),
    )
    expect(full.Items!.map((i) => i.note!.S)).toEqual(['no state: not in byState', 'a'])

    // Scan of an index: its items only, with a filter on what it projects.
    const scanned = await ddb.send(
      new ScanCommand({
        TableName: 'orders',
        IndexName: 'everything',
        FilterExpression: '#t >= :t',
        ExpressionAttributeNames: { '#t': 'total' },
        ExpressionAttributeValues: { ':t': { N: '20' } },
      }),
    )
    expect(scanned.ScannedCount).toBe(4)
    expect(scanned.Count).toBe(3)
    const firstScan = await ddb.send(
      new ScanCommand({ TableName: 'orders', IndexName: 'everything', Limit: 3 }),
    )
    expect(firstScan.LastEvaluatedKey).toEqual({
      state: { S: 'open' },
      customer: { S: 'c-2' },
      orderId: { S: 'o-1' },
    })
    const restScan = await ddb.send(
      new ScanCommand({
        TableName: 'orders',
        IndexName: 'everything',
        ExclusiveStartKey: firstScan.LastEvaluatedKey,
      }),
    )
    expect(restScan.Items!.map((i) => i.state!.S)).toEqual(['shipped'])
    expect(restScan.LastEvaluatedKey).toBeUndefined()

    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table!
    expect(described.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byPlacedAt',
        KeySchema: orders.LocalSecondaryIndexes![0]!.KeySchema,
        Projection: { ProjectionType: 'KEYS_ONLY' },
        IndexSizeBytes: expect.any(Number),
        ItemCount: 5,
        IndexArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/byPlacedAt',
      },
    ])
    expect(described.GlobalSecondaryIndexes).toMatchObject([
      {
        IndexName: 'byState',
        IndexStatus: 'ACTIVE',
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
        ItemCount: 4,
        IndexArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/byState',
      },
      { IndexName: 'everything', IndexStatus: 'ACTIVE', ItemCount: 4 },
    ])
    expect(described.AttributeDefinitions).toEqual(orders.AttributeDefinitions)

    await p.close()
    const again = await reopened(p)
    ddb = clientFor(again)
    const after = await ddb.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byState',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':s': { S: 'shipped' } },
      }),
    )
    expect(after.Items).toEqual([
      {
        customer: { S: 'c-2' },
        orderId: { S: 'o-2' },
        placedAt: { N: '5' },
        state: { S: 'shipped' },
        total: { N: '50' },
      },
    ])
  })

  it('UpdateTable creates and deletes a global index on a created table, kept across a restart', async () => {
    const p = await startPipeline({ name: 'ddb', tables: TABLES }, { serve: true })
    let ddb = clientFor(p)
    const { LocalSecondaryIndexes: _l, GlobalSecondaryIndexes: _g, ...plain } = orders
    await ddb.send(
      new CreateTableCommand({
        ...plain,
        AttributeDefinitions: orders.AttributeDefinitions!.slice(0, 2),
      }),
    )
    await fill(ddb)
    const byState = {
      TableName: 'orders',
      IndexName: 'byState',
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: { ':s': { S: 'open' } },
      Select: 'COUNT' as const,
    }
    expect(await failure(ddb.send(new QueryCommand(byState)))).toEqual({
      name: 'ValidationException',
      message: 'The table does not have the specified index: byState',
    })
    const { TableDescription } = await ddb.send(
      new UpdateTableCommand({
        TableName: 'orders',
        AttributeDefinitions: orders.AttributeDefinitions!.slice(2),
        GlobalSecondaryIndexUpdates: [{ Create: orders.GlobalSecondaryIndexes![0] }],
      }),
    )
    expect(TableDescription?.GlobalSecondaryIndexes).toMatchObject([
      { IndexName: 'byState', IndexStatus: 'ACTIVE', ItemCount: 4 },
    ])
    expect((await ddb.send(new QueryCommand(byState))).Count).toBe(3)
    expect(
      await failure(
        ddb.send(
          new UpdateTableCommand({
            TableName: 'orders',
            GlobalSecondaryIndexUpdates: [{ Create: orders.GlobalSecondaryIndexes![0] }],
          }),
        ),
      ),
    ).toEqual({ name: 'ValidationException', message: 'Attempting to create an index which already exists' })

    await p.close()
    const again = await reopened(p)
    ddb = clientFor(again)
    expect((await ddb.send(new QueryCommand(byState))).Count).toBe(3)
    await ddb.send(
      new UpdateTableCommand({
        TableName: 'orders',
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byState' } }],
      }),
    )
    expect((await failure(ddb.send(new QueryCommand(byState)))).message).toBe(
      'The table does not have the specified index: byState',
    )
    expect(
      (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table?.GlobalSecondaryIndexes,
    ).toBeUndefined()
  })

  it('answers DynamoDB’s errors for indexes and key types', async () => {
    const { ddb } = await served()
    await ddb.send(new CreateTableCommand(orders))
    const query = (input: Partial<QueryCommandInput>) =>
      failure(
        ddb.send(
          new QueryCommand({
            TableName: 'orders',
            KeyConditionExpression: '#s = :s',
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: { ':s': { S: 'open' } },
            ...input,
          }),
        ),
      )
    expect(await query({ IndexName: 'nope' })).toEqual({
      name: 'ValidationException',
      message: 'The table does not have the specified index: nope',
    })
    expect(await query({ IndexName: 'byState', ConsistentRead: true })).toEqual({
      name: 'ValidationException',
      message: 'Consistent reads are not supported on global secondary indexes',
    })
    expect(await query({ IndexName: 'byState', Select: 'ALL_ATTRIBUTES' })).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byState because its projection type is not ALL',
    })
    expect(
      await query({
        IndexName: 'byState',
        ExclusiveStartKey: {
          state: { S: 'shipped' },
          placedAt: { N: '1' },
          customer: { S: 'c' },
          orderId: { S: 'o' },
        },
      }),
    ).toEqual({
      name: 'ValidationException',
      message: 'The provided starting key is outside query boundaries based on provided conditions',
    })
    expect(
      await query({
        IndexName: 'byState',
        ExclusiveStartKey: { state: { S: 'open' }, customer: { S: 'c' } },
      }),
    ).toEqual({
      name: 'ValidationException',
      message: 'The provided starting key is invalid: The provided key element does not match the schema',
    })
    expect(await query({ IndexName: 'byState', ExpressionAttributeValues: { ':s': { N: '1' } } })).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Condition parameter type does not match schema type',
    })

    const put = (Item: Record<string, unknown>) =>
      failure(ddb.send(new PutItemCommand({ TableName: 'orders', Item: Item as never })))
    expect(await put({ customer: { N: '1' }, orderId: { S: 'o' } })).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Type mismatch for key customer expected: S actual: N',
    })
    expect(await put({ customer: { S: 'c' }, orderId: { S: 'o' }, state: { N: '1' } })).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Type mismatch for Index Key state Expected: S Actual: N IndexName: byState',
    })
    expect(
      await failure(
        ddb.send(
          new GetItemCommand({ TableName: 'orders', Key: { customer: { N: '1' }, orderId: { S: 'o' } } }),
        ),
      ),
    ).toEqual({ name: 'ValidationException', message: 'The provided key element does not match the schema' })

    const create = (input: Partial<CreateTableCommandInput>) =>
      failure(ddb.send(new CreateTableCommand({ ...orders, TableName: 'other', ...input })))
    expect(
      await create({
        KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }],
        AttributeDefinitions: orders.AttributeDefinitions!.filter((d) => d.AttributeName !== 'orderId'),
      }),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    })
    expect(
      await create({
        AttributeDefinitions: orders.AttributeDefinitions!.filter((d) => d.AttributeName !== 'state'),
      }),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [state, placedAt], AttributeDefinitions: [customer, orderId, placedAt]',
    })
    expect(
      await create({
        GlobalSecondaryIndexes: [orders.GlobalSecondaryIndexes![0]!, orders.GlobalSecondaryIndexes![0]!],
      }),
    ).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Duplicate index name: byState',
    })
    expect(
      await create({
        AttributeDefinitions: [
          ...orders.AttributeDefinitions!,
          { AttributeName: 'spare', AttributeType: 'S' },
        ],
      }),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [customer, orderId, placedAt, state, spare], keys used: [customer, orderId, placedAt, state]',
    })
    expect(
      await create({
        GlobalSecondaryIndexes: [
          {
            ...orders.GlobalSecondaryIndexes![1]!,
            Projection: { ProjectionType: 'ALL', NonKeyAttributes: ['x'] },
          },
        ],
      }),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified',
    })
    expect(
      await create({
        LocalSecondaryIndexes: [
          {
            ...orders.LocalSecondaryIndexes![0]!,
            KeySchema: [
              { AttributeName: 'state', KeyType: 'HASH' },
              { AttributeName: 'placedAt', KeyType: 'RANGE' },
            ],
          },
        ],
      }),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: byPlacedAt. index hash key: state, table hash key: customer',
    })
  })

  it('indexes declared in the pipeline definition, read with lib-dynamodb', async () => {
    const { p, ddb } = await served({
      tables: {
        ...TABLES,
        events: {
          partitionKey: 'id',
          attributeTypes: { id: 'S', kind: 'S', at: 'N' },
          indexes: { byKind: { partitionKey: 'kind', sortKey: 'at', projection: 'KEYS_ONLY' } },
        },
      },
    })
    p.table('events').put({ id: 'e-1', kind: 'click', at: 2, extra: 'x' })
    p.table('events').put({ id: 'e-2', kind: 'click', at: 1 })
    p.table('events').put({ id: 'e-3', kind: 'view', at: 3 })
    p.table('events').put({ id: 'e-4', at: 4 })
    const doc = DynamoDBDocumentClient.from(ddb)
    const { Items } = await doc.send(
      new DocQueryCommand({
        TableName: 'events',
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': 'click' },
      }),
    )
    expect(Items).toEqual([
      { id: 'e-2', kind: 'click', at: 1 },
      { id: 'e-1', kind: 'click', at: 2 },
    ])
    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'events' }))).Table!
    expect(described.GlobalSecondaryIndexes).toMatchObject([{ IndexName: 'byKind', ItemCount: 3 }])
    expect(
      await failure(ddb.send(new PutItemCommand({ TableName: 'events', Item: { id: { N: '1' } } }))),
    ).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Type mismatch for key id expected: S actual: N',
    })
  })
})
