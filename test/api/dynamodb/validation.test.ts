import { describe, expect, it } from 'vitest'
import { served } from './client.ts'
import { post, validation } from './raw.ts'

const NOT_NULL = 'failed to satisfy constraint: Member must not be null'

// DynamoDB's constraint checks as recorded from AWS: every violation it reports, in its member
// order, counted, before the operation looks for the table.
describe('DynamoDB ValidationException: constraints, their order and count', () => {
  it('reports every violation in DynamoDB’s member order, with their count', async () => {
    const { p } = await served()
    expect(
      await post(p.endpoint!, 'PutItem', { ReturnValues: 'SOME', ReturnConsumedCapacity: 'ALL' }),
    ).toEqual(
      validation(
        "4 validation errors detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
          `Value null at 'tableName' ${NOT_NULL}; Value null at 'item' ${NOT_NULL}; ` +
          "Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
      ),
    )
  })

  it('checks ConditionalOperator’s enum before refusing it as a legacy parameter', async () => {
    const { p } = await served()
    const item = { TableName: 'devices', Item: { deviceId: { S: 'd' } } }
    expect(await post(p.endpoint!, 'PutItem', { ...item, ConditionalOperator: 'XOR' })).toEqual(
      validation(
        "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]",
      ),
    )
    expect(await post(p.endpoint!, 'PutItem', { ...item, ConditionalOperator: 'OR' })).toEqual(
      validation(
        'The legacy parameter ConditionalOperator is not supported by this endpoint; use the expression parameters instead',
      ),
    )
  })

  it('checks the members of a map’s values (legacy conditions, batch requests) at <map>.<key>.member', async () => {
    const { p } = await served()
    expect(
      await post(p.endpoint!, 'Scan', {
        TableName: 'devices',
        ScanFilter: { a: { ComparisonOperator: 'IS' } },
      }),
    ).toEqual(
      validation(
        "1 validation error detected: Value 'IS' at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
      ),
    )
    expect(
      await post(p.endpoint!, 'BatchWriteItem', { RequestItems: { devices: [{ PutRequest: {} }] } }),
    ).toEqual(
      validation(
        `1 validation error detected: Value null at 'requestItems.devices.member.1.member.putRequest.item' ${NOT_NULL}`,
      ),
    )
    expect(await post(p.endpoint!, 'BatchWriteItem', { RequestItems: { devices: [] } })).toEqual(
      validation(
        "1 validation error detected: Value '{devices=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
      ),
    )
  })

  it('checks TransactWriteItems’ actions as DynamoDB does: a Delete’s members before a Put’s, only their keys and items for null', async () => {
    const { p } = await served()
    expect(
      await post(p.endpoint!, 'TransactWriteItems', {
        TransactItems: [{ Put: {}, Delete: {} }],
        ReturnConsumedCapacity: 'hi',
        ReturnItemCollectionMetrics: 'hi',
      }),
    ).toEqual(
      validation(
        "4 validation errors detected: Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
          "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]; " +
          `Value null at 'transactItems.1.member.delete.key' ${NOT_NULL}; Value null at 'transactItems.1.member.put.item' ${NOT_NULL}`,
      ),
    )
    expect(
      await post(p.endpoint!, 'TransactWriteItems', {
        TransactItems: [{ NotARealAction: { TableName: 'devices' } }],
      }),
    ).toEqual(
      validation('The action or operation requested is invalid. Verify that the action is typed correctly.'),
    )
  })

  it.each([
    'CreateTable',
    'DescribeTable',
    'DeleteTable',
    'UpdateTable',
    'DescribeTimeToLive',
    'UpdateTimeToLive',
  ])('%s without a TableName: refused before any other check', async (operation) => {
    const { p } = await served()
    expect(await post(p.endpoint!, operation, { BillingMode: 'NEVER' })).toEqual(
      validation("The parameter 'TableName' is required but was not present in the request"),
    )
  })

  it('accepts a table name of up to 1024 characters (an ARN), as AWS documents it now', async () => {
    const { p } = await served()
    const long = 'a'.repeat(300)
    expect((await post(p.endpoint!, 'GetItem', { TableName: long, Key: { k: { S: 'x' } } })).body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found',
    })
    expect(await post(p.endpoint!, 'GetItem', { TableName: 'a'.repeat(1025), Key: {} })).toEqual(
      validation(
        `1 validation error detected: Value '${'a'.repeat(1025)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 1024`,
      ),
    )
  })

  it('refuses an empty time-to-live attribute name with DynamoDB’s own message', async () => {
    const { p } = await served()
    expect(
      await post(p.endpoint!, 'UpdateTimeToLive', {
        TableName: 'devices',
        TimeToLiveSpecification: { Enabled: true, AttributeName: '' },
      }),
    ).toEqual(validation('TimeToLiveSpecification.AttributeName must be non empty'))
  })
})

// DynamoDB checks what a request holds before it looks for the table (recorded from AWS): a
// malformed request for a table that does not exist is a ValidationException.
describe('DynamoDB: a malformed request is refused before a missing table is reported', () => {
  const cases: [string, string, unknown, string][] = [
    [
      'an empty attribute value',
      'PutItem',
      { TableName: 'nope', Item: { a: {} } },
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    ],
    [
      'an undefined expression name',
      'DeleteItem',
      { TableName: 'nope', Key: { a: { S: 'a' } }, ConditionExpression: 'attribute_exists(#x)' },
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x',
    ],
    [
      'an unused value',
      'UpdateItem',
      {
        TableName: 'nope',
        Key: { a: { S: 'a' } },
        UpdateExpression: 'SET b = :b',
        ExpressionAttributeValues: { ':b': { S: 'x' }, ':c': { S: 'y' } },
      },
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}',
    ],
    [
      'no key condition',
      'Query',
      { TableName: 'nope' },
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    ],
    [
      'values without an expression that takes them',
      'Scan',
      { TableName: 'nope', ProjectionExpression: 'a', ExpressionAttributeValues: { ':a': { S: 'x' } } },
      'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null',
    ],
    [
      'a bad starting key',
      'Scan',
      { TableName: 'nope', ExclusiveStartKey: { a: {} } },
      'The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    ],
    [
      'a segment without a total',
      'Scan',
      { TableName: 'nope', Segment: 1 },
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    ],
    [
      'duplicate keys',
      'BatchGetItem',
      { RequestItems: { nope: { Keys: [{ a: { S: 'x' } }, { a: { S: 'x' } }] } } },
      'Provided list of item keys contains duplicates',
    ],
    [
      'a bad value in a later table’s request',
      'BatchWriteItem',
      {
        RequestItems: {
          nope: [{ DeleteRequest: { Key: { a: { S: 'x' } } } }],
          devices: [{ PutRequest: { Item: { a: { NULL: false } } } }],
        },
      },
      'One or more parameter values were invalid: Null attribute value types must have the value of true',
    ],
    [
      'an empty write request',
      'BatchWriteItem',
      { RequestItems: { nope: [{}] } },
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    ],
    [
      'nothing to update',
      'UpdateTable',
      { TableName: 'nope' },
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    ],
  ]

  it.each(cases)('%s', async (_name, operation, body, message) => {
    const { p } = await served()
    expect(await post(p.endpoint!, operation, body)).toEqual(validation(message))
  })

  it('names the table a table operation could not find', async () => {
    const { p } = await served()
    for (const [operation, body] of [
      ['DescribeTimeToLive', { TableName: 'nope' }],
      ['UpdateTable', { TableName: 'nope', BillingMode: 'PAY_PER_REQUEST' }],
    ] as const) {
      expect((await post(p.endpoint!, operation, body)).body).toEqual({
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found: Table: nope not found',
      })
    }
  })
})
