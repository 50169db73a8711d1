import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clientFor, failure, reopened, served, TABLES } from './client.ts'

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

const typed = {
  deviceId: { S: 'd-1' },
  raw: { B: ALL_BYTES },
  empty: { B: new Uint8Array(0) },
  tags: { SS: ['b', 'a', 'ü'] },
  readings: { NS: ['1.5', '-2', '1700000000123'] },
  blobs: { BS: [new Uint8Array([0, 255]), new Uint8Array([1])] },
  nested: { M: { inner: { L: [{ B: new Uint8Array([9, 8]) }, { SS: ['x'] }] } } },
}

describe('DynamoDB typed values: B, SS, NS and BS', () => {
  it('round-trip byte-exact through the API, lib-dynamodb and a handler’s table(), and across a restart', async () => {
    const p = await startPipeline({ name: 'ddb', tables: TABLES }, { serve: true })
    let ddb = clientFor(p)
    await ddb.send(new PutItemCommand({ TableName: 'devices', Item: typed }))
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-1' } } }),
    )
    expect(Item).toEqual(typed)

    // What a handler's table('devices') sees: lib-dynamodb's natural values.
    const seen = p.table('devices').get({ deviceId: 'd-1' })!
    expect(seen.raw).toBeInstanceOf(Uint8Array)
    expect(seen.raw).toEqual(ALL_BYTES)
    expect(seen.tags).toEqual(new Set(['b', 'a', 'ü']))
    expect(seen.readings).toEqual(new Set([1.5, -2, 1700000000123]))
    expect(seen.blobs).toEqual(new Set([new Uint8Array([0, 255]), new Uint8Array([1])]))

    // A handler's write reads back the same through the API.
    p.table('devices').put({ deviceId: 'd-2', code: new Uint8Array([7]), ids: new Set([3, 1]) })
    const written = await ddb.send(
      new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-2' } } }),
    )
    expect(written.Item).toEqual({
      deviceId: { S: 'd-2' },
      code: { B: new Uint8Array([7]) },
      ids: { NS: ['3', '1'] },
    })

    const doc = DynamoDBDocumentClient.from(ddb)
    await doc.send(
      new PutCommand({
        TableName: 'devices',
        Item: { deviceId: 'd-3', photo: new Uint8Array([1, 2, 3]), colours: new Set(['red', 'blue']) },
      }),
    )
    const got = await doc.send(new GetCommand({ TableName: 'devices', Key: { deviceId: 'd-3' } }))
    expect(got.Item).toEqual({
      deviceId: 'd-3',
      photo: new Uint8Array([1, 2, 3]),
      colours: new Set(['red', 'blue']),
    })

    await p.close()
    const again = await reopened(p)
    ddb = clientFor(again)
    const after = await ddb.send(
      new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-1' } } }),
    )
    expect(after.Item).toEqual(typed)
  })

  it('reach a function’s table() binding as Uint8Array and Set, and come back from it', async () => {
    const p = await startPipeline(
      {
        name: 'ddb-typed',
        streams: { events: { shardCount: 1 } },
        functions: { typed: { handler: 'functions/typed.handler' } },
        mappings: [{ function: 'typed', stream: 'events', startingPosition: 'TRIM_HORIZON' }],
        tables: TABLES,
      },
      { dir: new URL('./fixture/', import.meta.url).pathname, serve: true, teardown: onTestFinished },
    )
    const ddb = clientFor(p)
    await ddb.send(
      new PutItemCommand({
        TableName: 'devices',
        Item: { deviceId: { S: 'd-1' }, photo: { B: new Uint8Array([0, 128]) }, tags: { SS: ['hot'] } },
      }),
    )
    await p.put('events', [{ deviceId: 'd-1', ts: 1 }])
    await p.settle()
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: 'readings', Key: { deviceId: { S: 'd-1' }, ts: { N: '1' } } }),
    )
    expect(Item).toEqual({
      deviceId: { S: 'd-1' },
      ts: { N: '1' },
      photo: { B: new Uint8Array([0, 128, 255]) },
      tags: { SS: ['hot', 'seen'] },
      types: { S: 'true true' },
    })
  })

  it('updates sets with ADD and DELETE and numbers with ADD; lib-dynamodb’s Sets work the same', async () => {
    const { ddb } = await served()
    const key = { deviceId: { S: 'd-1' } }
    const update = (UpdateExpression: string, values: Record<string, unknown>) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: 'devices',
          Key: key,
          UpdateExpression,
          ExpressionAttributeValues: values as never,
          ReturnValues: 'ALL_NEW',
        }),
      )
    let out = await update('ADD tags :t, visits :one', { ':t': { SS: ['a', 'b'] }, ':one': { N: '1' } })
    expect(out.Attributes).toEqual({ deviceId: { S: 'd-1' }, tags: { SS: ['a', 'b'] }, visits: { N: '1' } })
    out = await update('ADD tags :t, visits :one', { ':t': { SS: ['b', 'c'] }, ':one': { N: '2.5' } })
    expect(out.Attributes).toEqual({
      deviceId: { S: 'd-1' },
      tags: { SS: ['a', 'b', 'c'] },
      visits: { N: '3.5' },
    })
    out = await update('DELETE tags :t', { ':t': { SS: ['a', 'x'] } })
    expect(out.Attributes?.tags).toEqual({ SS: ['b', 'c'] })
    // Deleting every element removes the attribute, as on DynamoDB.
    out = await update('DELETE tags :t', { ':t': { SS: ['b', 'c'] } })
    expect(out.Attributes).toEqual({ deviceId: { S: 'd-1' }, visits: { N: '3.5' } })
    out = await update('ADD codes :c', { ':c': { BS: [new Uint8Array([1]), new Uint8Array([2])] } })
    out = await update('ADD codes :c', { ':c': { BS: [new Uint8Array([2]), new Uint8Array([3])] } })
    expect(out.Attributes?.codes).toEqual({
      BS: [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])],
    })

    expect(await failure(update('ADD visits :t', { ':t': { SS: ['a'] } }))).toEqual({
      name: 'ValidationException',
      message: 'An operand in the update expression has an incorrect data type',
    })
    expect(await failure(update('DELETE visits :n', { ':n': { N: '1' } }))).toEqual({
      name: 'ValidationException',
      message:
        'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER',
    })
    // Out of DynamoDB's range (magnitude 1E-130 to 9.99E+125): its ValidationException, not a failure of the server.
    expect(await failure(update('SET big = :n', { ':n': { N: '1e200' } }))).toEqual({
      name: 'ValidationException',
      message: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
    })
    expect(await failure(update('SET tiny = :n', { ':n': { N: '1e-200' } }))).toEqual({
      name: 'ValidationException',
      message: 'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    })
    expect(await failure(update('ADD codes :s', { ':s': { S: 'x' } }))).toEqual({
      name: 'ValidationException',
      message:
        'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
    })

    const doc = DynamoDBDocumentClient.from(ddb)
    const viaDoc = await doc.send(
      new UpdateCommand({
        TableName: 'devices',
        Key: { deviceId: 'd-1' },
        UpdateExpression: 'ADD ids :ids',
        ExpressionAttributeValues: { ':ids': new Set([5, 6]) },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    expect(viaDoc.Attributes).toEqual({ ids: new Set([5, 6]) })
  })

  it('evaluates contains() on sets, size() of sets and binary, and compares B values by their bytes', async () => {
    const { ddb } = await served()
    await ddb.send(
      new PutItemCommand({
        TableName: 'devices',
        Item: {
          deviceId: { S: 'd-1' },
          tags: { SS: ['a', 'b'] },
          ids: { NS: ['1', '2', '3'] },
          blobs: { BS: [new Uint8Array([1, 2])] },
          sig: { B: new Uint8Array([0x10, 0xff]) },
        },
      }),
    )
    const matches = async (FilterExpression: string, values: Record<string, unknown>) =>
      (
        await ddb.send(
          new ScanCommand({
            TableName: 'devices',
            FilterExpression,
            ExpressionAttributeValues: values as never,
          }),
        )
      ).Count
    expect(await matches('contains(tags, :a)', { ':a': { S: 'a' } })).toBe(1)
    expect(await matches('contains(tags, :a)', { ':a': { S: 'z' } })).toBe(0)
    expect(await matches('contains(ids, :n)', { ':n': { N: '2.0' } })).toBe(1)
    expect(await matches('contains(blobs, :b)', { ':b': { B: new Uint8Array([1, 2]) } })).toBe(1)
    expect(
      await matches('size(ids) = :three AND size(sig) = :two', { ':three': { N: '3' }, ':two': { N: '2' } }),
    ).toBe(1)
    expect(await matches('sig > :b', { ':b': { B: new Uint8Array([0x10, 0x7f]) } })).toBe(1)
    expect(await matches('sig < :b', { ':b': { B: new Uint8Array([0x10, 0x7f]) } })).toBe(0)
    expect(await matches('begins_with(sig, :b)', { ':b': { B: new Uint8Array([0x10]) } })).toBe(1)
    expect(await matches('attribute_type(tags, :t)', { ':t': { S: 'SS' } })).toBe(1)
    expect(await matches('tags = :t', { ':t': { SS: ['b', 'a'] } })).toBe(1)
  })

  it('keys of type B: unsigned byte order, begins_with and BETWEEN on the sort key', async () => {
    const { ddb } = await served()
    await ddb.send(
      new CreateTableCommand({
        TableName: 'blobs',
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          { AttributeName: 'part', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'B' },
          { AttributeName: 'part', AttributeType: 'B' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    const id = new Uint8Array([0xca, 0xfe])
    for (const part of [[0x80], [0x01], [0x80, 0x00], [0xff], [0x7f, 0xff]]) {
      await ddb.send(
        new PutItemCommand({
          TableName: 'blobs',
          Item: { id: { B: id }, part: { B: new Uint8Array(part) } },
        }),
      )
    }
    const parts = async (condition: string, values: Record<string, unknown> = {}) =>
      (
        await ddb.send(
          new QueryCommand({
            TableName: 'blobs',
            KeyConditionExpression: `id = :id${condition}`,
            ExpressionAttributeValues: { ':id': { B: id }, ...values } as never,
          }),
        )
      ).Items!.map((i) => [...i.part!.B!])
    expect(await parts('')).toEqual([[0x01], [0x7f, 0xff], [0x80], [0x80, 0x00], [0xff]])
    expect(await parts(' AND begins_with(part, :p)', { ':p': { B: new Uint8Array([0x80]) } })).toEqual([
      [0x80],
      [0x80, 0x00],
    ])
    expect(
      await parts(' AND part BETWEEN :a AND :b', {
        ':a': { B: new Uint8Array([0x7f]) },
        ':b': { B: new Uint8Array([0x80]) },
      }),
    ).toEqual([[0x7f, 0xff], [0x80]])
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: 'blobs', Key: { id: { B: id }, part: { B: new Uint8Array([0xff]) } } }),
    )
    expect(Item).toEqual({ id: { B: id }, part: { B: new Uint8Array([0xff]) } })
    expect(
      await failure(
        ddb.send(new PutItemCommand({ TableName: 'blobs', Item: { id: { S: 'x' }, part: { B: id } } })),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Type mismatch for key id expected: B actual: S',
    })
  })

  it('counts B and sets in the 400 KB item size as DynamoDB does', async () => {
    const { ddb } = await served()
    // deviceId (8) + "x" (1) + raw (3) + the bytes: exactly 409,600 is allowed.
    const put = (bytes: number) =>
      ddb.send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' }, raw: { B: new Uint8Array(bytes) } },
        }),
      )
    await put(409_600 - 12)
    expect(await failure(put(409_600 - 11))).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    })
    // A string set counts its elements' bytes: deviceId + x + ss (11) + the two strings.
    const half = 204_789
    const set = (extra: number) =>
      ddb.send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'x' }, ss: { SS: ['a'.repeat(half), 'b'.repeat(half + extra)] } },
        }),
      )
    await set(11)
    expect((await failure(set(12))).message).toBe('Item size has exceeded the maximum allowed size')
  })

  it('returns the stored item with ReturnValuesOnConditionCheckFailure ALL_OLD, in transactions too', async () => {
    const { ddb } = await served()
    const old = { deviceId: { S: 'd-1' }, raw: { B: new Uint8Array([1]) }, n: { N: '1' } }
    await ddb.send(new PutItemCommand({ TableName: 'devices', Item: old }))
    const attempts = [
      new PutItemCommand({
        TableName: 'devices',
        Item: { deviceId: { S: 'd-1' } },
        ConditionExpression: 'attribute_not_exists(deviceId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      new UpdateItemCommand({
        TableName: 'devices',
        Key: { deviceId: { S: 'd-1' } },
        UpdateExpression: 'SET n = :two',
        ConditionExpression: 'n = :two',
        ExpressionAttributeValues: { ':two': { N: '2' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      new DeleteItemCommand({
        TableName: 'devices',
        Key: { deviceId: { S: 'd-1' } },
        ConditionExpression: 'attribute_not_exists(n)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ]
    for (const attempt of attempts) {
      const error = await ddb.send(attempt as never).catch((e) => e)
      expect(error).toBeInstanceOf(ConditionalCheckFailedException)
      expect((error as ConditionalCheckFailedException).Item).toEqual(old)
    }
    // Without it (NONE, the default) no item comes back.
    const plain = await ddb
      .send(
        new PutItemCommand({
          TableName: 'devices',
          Item: { deviceId: { S: 'd-1' } },
          ConditionExpression: 'attribute_not_exists(deviceId)',
        }),
      )
      .then(
        () => undefined,
        (e) => e as ConditionalCheckFailedException,
      )
    expect(plain).toBeInstanceOf(ConditionalCheckFailedException)
    expect(plain?.Item).toBeUndefined()

    const cancelled = await ddb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: 'devices',
                Item: { deviceId: { S: 'd-2' } },
              },
            },
            {
              ConditionCheck: {
                TableName: 'devices',
                Key: { deviceId: { S: 'd-1' } },
                ConditionExpression: 'attribute_not_exists(deviceId)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .then(
        () => undefined,
        (e) => e as TransactionCanceledException,
      )
    expect(cancelled).toBeInstanceOf(TransactionCanceledException)
    expect(cancelled?.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: old },
    ])
  })

  it('refuses a bare reserved word in every kind of expression, and takes it through a #placeholder', async () => {
    const { ddb } = await served()
    const key = { deviceId: { S: 'd-1' } }
    expect(
      await failure(
        ddb.send(
          new UpdateItemCommand({
            TableName: 'devices',
            Key: key,
            UpdateExpression: 'SET status = :s',
            ExpressionAttributeValues: { ':s': { S: 'on' } },
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status',
    })
    expect(
      await failure(
        ddb.send(
          new PutItemCommand({
            TableName: 'devices',
            Item: key,
            ConditionExpression: 'attribute_not_exists(Name)',
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Name',
    })
    expect(
      await failure(
        ddb.send(new GetItemCommand({ TableName: 'devices', Key: key, ProjectionExpression: 'data' })),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: data',
    })
    expect(
      await failure(
        ddb.send(
          new ScanCommand({
            TableName: 'devices',
            FilterExpression: 'size(comment) > :n',
            ExpressionAttributeValues: { ':n': { N: '1' } },
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: comment',
    })
    // A syntax error is reported before a reserved word, as DynamoDB orders them.
    expect(
      (
        await failure(
          ddb.send(
            new UpdateItemCommand({ TableName: 'devices', Key: key, UpdateExpression: 'SET status = ' }),
          ),
        )
      ).message,
    ).toMatch(/^Invalid UpdateExpression: Syntax error; token: "<EOF>"/)
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'devices',
        Key: key,
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'on' } },
      }),
    )
    const { Item } = await ddb.send(new GetItemCommand({ TableName: 'devices', Key: key }))
    expect(Item).toEqual({ deviceId: { S: 'd-1' }, status: { S: 'on' } })
  })
})
