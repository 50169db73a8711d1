import {
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { failure, served } from './client.ts'

describe('DynamoDB API: tables', () => {
  it('lists the declared tables and describes one', async () => {
    const { p, ddb } = await served()
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['devices', 'readings'])
    const page = await ddb.send(new ListTablesCommand({ Limit: 1 }))
    expect(page).toMatchObject({ TableNames: ['devices'], LastEvaluatedTableName: 'devices' })
    const rest = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: 'devices' }))
    expect(rest.TableNames).toEqual(['readings'])
    expect(rest.LastEvaluatedTableName).toBeUndefined()

    p.table('readings').put({ deviceId: 'd-1', ts: 5 })
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'readings' }))
    expect(Table).toMatchObject({
      TableName: 'readings',
      TableStatus: 'ACTIVE',
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/readings',
      KeySchema: [
        { AttributeName: 'deviceId', KeyType: 'HASH' },
        { AttributeName: 'ts', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'deviceId', AttributeType: 'S' },
        { AttributeName: 'ts', AttributeType: 'N' },
      ],
      ItemCount: 1,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    })
    expect(await failure(ddb.send(new DescribeTableCommand({ TableName: 'nope' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found: Table: nope not found',
    })
  })
})

describe('DynamoDB API: items', () => {
  it('round-trips every storable type', async () => {
    const { p, ddb } = await served()
    const Item = {
      deviceId: { S: 'd-1' },
      name: { S: 'thermo ✓' },
      empty: { S: '' },
      n: { N: '42' },
      neg: { N: '-0.125' },
      big: { N: '12345678901234' },
      on: { BOOL: true },
      off: { BOOL: false },
      none: { NULL: true },
      list: { L: [{ S: 'a' }, { N: '1' }, { L: [] }, { M: { x: { NULL: true } } }] },
      map: { M: { nested: { M: { deep: { BOOL: false } } }, tags: { L: [{ S: 't' }] } } },
    }
    await ddb.send(new PutItemCommand({ TableName: 'devices', Item }))
    const { Item: read } = await ddb.send(
      new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-1' } } }),
    )
    expect(read).toEqual(Item)
    // The table service holds them as JSON values.
    expect(p.table('devices').get({ deviceId: 'd-1' })).toMatchObject({
      n: 42,
      neg: -0.125,
      none: null,
      list: ['a', 1, [], { x: null }],
      map: { nested: { deep: false }, tags: ['t'] },
    })
    const absent = await ddb.send(
      new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'nope' } } }),
    )
    expect(absent.Item).toBeUndefined()
  })

  it('projects, and returns old values', async () => {
    const { ddb } = await served()
    const Item = {
      deviceId: { S: 'd-1' },
      a: { M: { b: { N: '1' }, c: { N: '2' } } },
      l: { L: [{ S: 'x' }, { S: 'y' }] },
    }
    await ddb.send(new PutItemCommand({ TableName: 'devices', Item }))
    const got = await ddb.send(
      new GetItemCommand({
        TableName: 'devices',
        Key: { deviceId: { S: 'd-1' } },
        ProjectionExpression: '#a.b, l[1]',
        ExpressionAttributeNames: { '#a': 'a' },
      }),
    )
    expect(got.Item).toEqual({ a: { M: { b: { N: '1' } } }, l: { L: [{ S: 'y' }] } })
    const put = await ddb.send(
      new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'd-1' } }, ReturnValues: 'ALL_OLD' }),
    )
    expect(put.Attributes).toEqual(Item)
    const del = await ddb.send(
      new DeleteItemCommand({
        TableName: 'devices',
        Key: { deviceId: { S: 'd-1' } },
        ReturnValues: 'ALL_OLD',
      }),
    )
    expect(del.Attributes).toEqual({ deviceId: { S: 'd-1' } })
    const again = await ddb.send(
      new DeleteItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-1' } } }),
    )
    expect(again.Attributes).toBeUndefined()
  })

  it('updates with SET, REMOVE, ADD, arithmetic, if_not_exists and list_append', async () => {
    const { ddb } = await served()
    const key = { deviceId: { S: 'd-1' } }
    const created = await ddb
      .send(
        new UpdateItemCommand({
          TableName: 'devices',
          Key: key,
          UpdateExpression: 'SET #n = :name, tags = :tags, info.fw = :fw REMOVE absent ADD visits :one',
          ConditionExpression: 'attribute_not_exists(deviceId)',
          ExpressionAttributeNames: { '#n': 'name' },
          ExpressionAttributeValues: {
            ':name': { S: 'thermo' },
            ':tags': { L: [{ S: 'a' }] },
            ':fw': { S: '1.0' },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch((e) => e as Error)
    // info does not exist yet: a nested SET under it is invalid, as on DynamoDB.
    expect((created as Error).name).toBe('ValidationException')
    expect((created as Error).message).toBe(
      'The document path provided in the update expression is invalid for update',
    )

    const first = await ddb.send(
      new UpdateItemCommand({
        TableName: 'devices',
        Key: key,
        UpdateExpression: 'SET #n = :name, tags = :tags, info = :info ADD visits :one',
        ConditionExpression: 'attribute_not_exists(deviceId)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: {
          ':name': { S: 'thermo' },
          ':tags': { L: [{ S: 'a' }] },
          ':info': { M: { fw: { S: '1.0' } } },
          ':one': { N: '1' },
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    expect(first.Attributes).toEqual({
      deviceId: { S: 'd-1' },
      name: { S: 'thermo' },
      tags: { L: [{ S: 'a' }] },
      info: { M: { fw: { S: '1.0' } } },
      visits: { N: '1' },
    })
    const second = await ddb.send(
      new UpdateItemCommand({
        TableName: 'devices',
        Key: key,
        UpdateExpression:
          'SET visits = visits + :ten, tags = list_append(tags, :more), info.fw = :fw, since = if_not_exists(since, :now) REMOVE #n ADD score :half',
        ConditionExpression: 'visits = :one AND begins_with(#n, :t) AND size(tags) < :ten',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: {
          ':ten': { N: '10' },
          ':one': { N: '1' },
          ':t': { S: 'th' },
          ':more': { L: [{ S: 'b' }] },
          ':fw': { S: '2.0' },
          ':now': { N: '1700000000' },
          ':half': { N: '0.1' },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    expect(second.Attributes).toEqual({
      visits: { N: '11' },
      tags: { L: [{ S: 'a' }, { S: 'b' }] },
      info: { M: { fw: { S: '2.0' } } },
      since: { N: '1700000000' },
      score: { N: '0.1' },
    })
    const old = await ddb.send(
      new UpdateItemCommand({
        TableName: 'devices',
        Key: key,
        UpdateExpression: 'ADD score :x REMOVE tags[0]',
        ExpressionAttributeValues: { ':x': { N: '0.2' } },
        ReturnValues: 'UPDATED_OLD',
      }),
    )
    expect(old.Attributes).toEqual({ score: { N: '0.1' }, tags: { L: [{ S: 'a' }] } })
    const { Item } = await ddb.send(new GetItemCommand({ TableName: 'devices', Key: key }))
    expect(Item?.score).toEqual({ N: '0.3' })
    expect(Item?.tags).toEqual({ L: [{ S: 'b' }] })
    expect(Item?.name).toBeUndefined()
  })

  it('refuses a write whose condition fails, and leaves the item alone', async () => {
    const { p, ddb } = await served()
    await ddb.send(
      new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'd-1' }, v: { N: '1' } } }),
    )
    const conditional = { name: 'ConditionalCheckFailedException', message: 'The conditional request failed' }
    expect(
      await failure(
        ddb.send(
          new PutItemCommand({
            TableName: 'devices',
            Item: { deviceId: { S: 'd-1' }, v: { N: '2' } },
            ConditionExpression: 'attribute_not_exists(deviceId)',
          }),
        ),
      ),
    ).toEqual(conditional)
    expect(
      await failure(
        ddb.send(
          new UpdateItemCommand({
            TableName: 'devices',
            Key: { deviceId: { S: 'd-1' } },
            UpdateExpression: 'SET v = :v',
            ConditionExpression: 'v > :v OR NOT (v IN (:a, :b))',
            ExpressionAttributeValues: { ':v': { N: '5' }, ':a': { N: '1' }, ':b': { N: '3' } },
          }),
        ),
      ),
    ).toEqual(conditional)
    expect(
      await failure(
        ddb.send(
          new DeleteItemCommand({
            TableName: 'devices',
            Key: { deviceId: { S: 'd-1' } },
            ConditionExpression: 'v BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':lo': { N: '2' }, ':hi': { N: '9' } },
          }),
        ),
      ),
    ).toEqual(conditional)
    expect(p.table('devices').get({ deviceId: 'd-1' })).toEqual({ deviceId: 'd-1', v: 1 })
    await ddb.send(
      new DeleteItemCommand({
        TableName: 'devices',
        Key: { deviceId: { S: 'd-1' } },
        ConditionExpression: 'v <> :x AND attribute_type(v, :n) AND contains(deviceId, :d)',
        ExpressionAttributeValues: { ':x': { N: '7' }, ':n': { S: 'N' }, ':d': { S: '-' } },
      }),
    )
    expect(p.table('devices').get({ deviceId: 'd-1' })).toBeUndefined()
  })

  it('answers errors with DynamoDB’s codes and messages', async () => {
    const { ddb } = await served()
    const send = (c: object) => failure(ddb.send(c as never))
    expect(await send(new GetItemCommand({ TableName: 'nope', Key: { id: { S: 'x' } } }))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
    })
    expect(await send(new PutItemCommand({ TableName: 'devices', Item: { other: { S: 'x' } } }))).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Missing the key deviceId in the item',
    })
    expect(
      await send(new PutItemCommand({ TableName: 'devices', Item: { deviceId: { BOOL: true } } })),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Type mismatch for key deviceId expected: S, N or B actual: BOOL',
    })
    expect(await send(new GetItemCommand({ TableName: 'readings', Key: { deviceId: { S: 'x' } } }))).toEqual({
      name: 'ValidationException',
      message: 'The provided key element does not match the schema',
    })
    expect(
      await send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' }, big: { S: 'x'.repeat(400 * 1024) } },
        }),
      ),
    ).toEqual({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' })
    const putSet = (value: Record<string, unknown>) =>
      send(new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'x' }, s: value as never } }))
    const invalid = (message: string) => ({
      name: 'ValidationException',
      message: `One or more parameter values were invalid: ${message}`,
    })
    expect(await putSet({ SS: [] })).toEqual(invalid('An string set  may not be empty'))
    expect(await putSet({ NS: [] })).toEqual(invalid('An number set  may not be empty'))
    expect(await putSet({ BS: [] })).toEqual(invalid('Binary sets should not be empty'))
    expect(await putSet({ SS: ['a', 'a'] })).toEqual(invalid('Input collection [a, a] contains duplicates.'))
    // NS: DynamoDB's message has neither the prefix nor the list.
    expect(await putSet({ NS: ['1', '1.0'] })).toEqual({
      name: 'ValidationException',
      message: 'Input collection contains duplicates',
    })
    expect(await putSet({ BS: [new Uint8Array([98]), new Uint8Array([98])] })).toEqual(
      invalid('Input collection [Yg==, Yg==]of type BS contains duplicates.'),
    )
    expect(
      await send(
        new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'x' }, n: { N: 'abc' } } }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'A value provided cannot be converted into a number',
    })
    expect(
      await send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' } },
          ConditionExpression: 'attribute_exists(a)',
          ExpressionAttributeValues: { ':unused': { S: 'x' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
    })
    expect(
      await send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' } },
          ConditionExpression: 'a = :missing',
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing',
    })
    expect(
      await send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' } },
          ConditionExpression: 'a = = b',
        }),
      ),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Invalid ConditionExpression: Syntax error; token: "="/),
    })
    expect(
      await send(
        new UpdateItemCommand({
          TableName: 'devices',
          Key: { deviceId: { S: 'x' } },
          UpdateExpression: 'SET deviceId = :v',
          ExpressionAttributeValues: { ':v': { S: 'y' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Cannot update attribute deviceId. This attribute is part of the key',
    })
    expect(
      await send(
        new UpdateItemCommand({
          TableName: 'devices',
          Key: { deviceId: { S: 'x' } },
          ExpressionAttributeValues: { ':v': { S: 'y' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null',
    })
    expect(
      await send(
        new UpdateItemCommand({
          TableName: 'devices',
          Key: { deviceId: { S: 'x' } },
          UpdateExpression: 'SET a = :v, a = :v',
          ExpressionAttributeValues: { ':v': { S: 'y' } },
        }),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
    })
  })
})
