import { describe, expect, it } from 'vitest'
import { served } from './client.ts'
import { post } from './raw.ts'

const serialization = (Message: string) => ({
  status: 400,
  body: { __type: 'com.amazon.coral.service#SerializationException', Message },
})

const CAST =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')"

// DynamoDB's deserializer (not Kinesis's older Coral one) as recorded from AWS: per message class,
// one operation and body that provokes it.
describe('DynamoDB SerializationException: every type-error message class, in DynamoDB’s words', () => {
  const cases: [string, string, unknown, string][] = [
    ['String ← true', 'GetItem', { TableName: true }, 'TRUE_VALUE cannot be converted to String'],
    ['String ← false', 'DeleteTable', { TableName: false }, 'FALSE_VALUE cannot be converted to String'],
    ['String ← integer', 'PutItem', { ReturnValues: 23 }, 'NUMBER_VALUE cannot be converted to String'],
    ['String ← decimal', 'Query', { IndexName: 34.56 }, 'DECIMAL_VALUE cannot be converted to String'],
    ['String ← list', 'Scan', { Select: [] }, 'Unrecognized collection type class java.lang.String'],
    [
      'String ← map',
      'DescribeTable',
      { TableName: {} },
      'Start of structure or map found where not expected',
    ],
    ['Boolean ← number', 'GetItem', { ConsistentRead: 23 }, 'NUMBER_VALUE cannot be converted to Boolean'],
    ['Boolean ← decimal', 'Query', { ScanIndexForward: 0.5 }, 'DECIMAL_VALUE cannot be converted to Boolean'],
    ['Boolean ← other string', 'Scan', { ConsistentRead: '23' }, 'Unexpected token received from parser'],
    [
      'Boolean ← list',
      'Query',
      { ConsistentRead: [] },
      'Unrecognized collection type class java.lang.Boolean',
    ],
    ['Integer ← string', 'Scan', { Limit: '23' }, 'STRING_VALUE cannot be converted to Integer'],
    ['Integer ← true', 'ListTables', { Limit: true }, 'TRUE_VALUE cannot be converted to Integer'],
    ['Integer ← list', 'Scan', { Segment: [] }, 'Unrecognized collection type class java.lang.Integer'],
    [
      'Long ← string',
      'CreateTable',
      { ProvisionedThroughput: { ReadCapacityUnits: '1' } },
      'STRING_VALUE cannot be converted to Long',
    ],
    [
      'Blob ← number',
      'PutItem',
      { Item: { a: { B: 23 } } },
      'only base-64-encoded strings are convertible to bytes',
    ],
    [
      'Blob ← list',
      'PutItem',
      { Item: { a: { BS: [[]] } } },
      'Unrecognized collection type class java.nio.ByteBuffer',
    ],
    [
      'Blob, bad length',
      'PutItem',
      { Item: { a: { B: '23456' } } },
      'Base64 encoded length is expected a multiple of 4 bytes but found: 5',
    ],
    [
      'Blob, bad tail',
      'PutItem',
      { Item: { a: { B: '+/+=' } } },
      'Invalid last non-pad Base64 character dectected',
    ],
    ['List ← scalar', 'PutItem', { Item: { a: { SS: 'x' } } }, 'Unexpected field type'],
    ['List ← map', 'CreateTable', { KeySchema: {} }, 'Start of structure or map found where not expected'],
    ['Map ← scalar', 'PutItem', { Item: 'x' }, 'Unexpected field type'],
    [
      'Map ← list',
      'PutItem',
      { Item: [] },
      'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
    ],
    [
      'Map of strings ← list',
      'Query',
      { ExpressionAttributeNames: [] },
      'Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>',
    ],
    ['structure in a field ← scalar', 'CreateTable', { ProvisionedThroughput: 1 }, 'Unexpected field type'],
    [
      'structure in a field ← list',
      'CreateTable',
      { ProvisionedThroughput: [] },
      'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput',
    ],
    ['structure in a map ← scalar', 'PutItem', { Item: { a: true } }, 'Unexpected value type in payload'],
    [
      'structure in a list ← list',
      'CreateTable',
      { KeySchema: [[]] },
      'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement',
    ],
    ['list in a map ← scalar', 'BatchWriteItem', { RequestItems: { t: 'x' } }, CAST],
    ['map in a list ← scalar', 'BatchGetItem', { RequestItems: { t: { Keys: [1] } } }, CAST],
  ]

  it.each(cases)('%s', async (_name, operation, body, message) => {
    const { p } = await served()
    expect(await post(p.endpoint!, operation, body)).toEqual(serialization(message))
  })

  it('reads a Boolean from the strings Jackson converts (true/1/yes, false/0/no) and refuses none of them', async () => {
    const { p } = await served()
    for (const value of ['true', 'YES', '1', 'false', 'no', '0']) {
      const res = await post(p.endpoint!, 'GetItem', {
        TableName: 'devices',
        Key: { deviceId: { S: 'd' } },
        ConsistentRead: value,
      })
      expect(res).toEqual({ status: 200, body: {} })
    }
  })

  it('answers a body that is not JSON with a SerializationException that has no message', async () => {
    const { p } = await served()
    expect(await post(p.endpoint!, 'ListTables', '{')).toEqual({
      status: 400,
      body: { __type: 'com.amazon.coral.service#SerializationException' },
    })
  })

  it('spells a ValidationException’s type in Coral’s validate namespace, with its message under message', async () => {
    const { p } = await served()
    const res = await post(p.endpoint!, 'ListTables', { Limit: 0 })
    expect(res).toEqual({
      status: 400,
      body: {
        __type: 'com.amazon.coral.validate#ValidationException',
        message:
          "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      },
    })
  })

  it('keeps DynamoDB’s own namespace for its own errors (ResourceNotFoundException)', async () => {
    const { p } = await served()
    expect(await post(p.endpoint!, 'DescribeTable', { TableName: 'nope' })).toEqual({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found: Table: nope not found',
      },
    })
  })
})
