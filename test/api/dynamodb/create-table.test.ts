import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clientFor, failure, reopened, served, TABLES } from './client.ts'

const sessions = {
  TableName: 'sessions',
  KeySchema: [
    { AttributeName: 'userId', KeyType: 'HASH' as const },
    { AttributeName: 'startedAt', KeyType: 'RANGE' as const },
  ],
  AttributeDefinitions: [
    { AttributeName: 'userId', AttributeType: 'S' as const },
    { AttributeName: 'startedAt', AttributeType: 'N' as const },
  ],
  BillingMode: 'PAY_PER_REQUEST' as const,
}

describe('CreateTable and DeleteTable', () => {
  it('create a durable table beside the declared ones: usable at once, kept across a restart, then deleted', async () => {
    const p = await startPipeline({ name: 'ddb', tables: TABLES }, { serve: true })
    let ddb = clientFor(p)
    const { TableDescription } = await ddb.send(new CreateTableCommand(sessions))
    expect(TableDescription).toMatchObject({
      TableName: 'sessions',
      TableStatus: 'ACTIVE',
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/sessions',
      KeySchema: sessions.KeySchema,
      AttributeDefinitions: sessions.AttributeDefinitions,
      ItemCount: 0,
    })
    expect(TableDescription?.CreationDateTime).toBeInstanceOf(Date)
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: 'sessions' })
    await ddb.send(
      new PutItemCommand({ TableName: 'sessions', Item: { userId: { S: 'u-1' }, startedAt: { N: '42' } } }),
    )
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual([
      'devices',
      'readings',
      'sessions',
    ])

    await p.close()
    const again = await reopened(p)
    ddb = clientFor(again)
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: 'sessions', Key: { userId: { S: 'u-1' }, startedAt: { N: '42' } } }),
    )
    expect(Item).toEqual({ userId: { S: 'u-1' }, startedAt: { N: '42' } })
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'sessions' }))).Table).toMatchObject({
      ItemCount: 1,
      AttributeDefinitions: sessions.AttributeDefinitions,
    })

    const deleted = await ddb.send(new DeleteTableCommand({ TableName: 'sessions' }))
    expect(deleted.TableDescription).toMatchObject({ TableName: 'sessions', TableStatus: 'DELETING' })
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['devices', 'readings'])
    expect(await failure(ddb.send(new DescribeTableCommand({ TableName: 'sessions' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found: Table: sessions not found',
    })
    // A table created again under the name starts empty.
    await ddb.send(new CreateTableCommand(sessions))
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'sessions' }))).Table?.ItemCount).toBe(0)
  })

  it('refuse what DynamoDB refuses, and the tables the definition declares', async () => {
    const { ddb } = await served()
    await ddb.send(new CreateTableCommand(sessions))
    expect(await failure(ddb.send(new CreateTableCommand(sessions)))).toEqual({
      name: 'ResourceInUseException',
      message: 'Table already exists: sessions',
    })
    expect(
      await failure(ddb.send(new CreateTableCommand({ ...sessions, TableName: 'devices' }))),
    ).toMatchObject({
      name: 'ResourceInUseException',
    })
    expect(await failure(ddb.send(new DeleteTableCommand({ TableName: 'devices' })))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('declared in the pipeline definition'),
    })
    expect(await failure(ddb.send(new DeleteTableCommand({ TableName: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    })
    const { BillingMode: _, ...provisioned } = sessions
    expect(await failure(ddb.send(new CreateTableCommand({ ...provisioned, TableName: 'x1x' })))).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    })
    expect(
      await failure(
        ddb.send(
          new CreateTableCommand({
            ...sessions,
            TableName: 'x2x',
            AttributeDefinitions: [
              ...sessions.AttributeDefinitions,
              { AttributeName: 'extra', AttributeType: 'S' },
            ],
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    })
    expect(
      await failure(
        ddb.send(
          new CreateTableCommand({
            ...sessions,
            TableName: 'x3x',
            KeySchema: [sessions.KeySchema[1]!, sessions.KeySchema[0]!],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('HASH') })
  })
})
