/**
 * The seeds' operations scripts run against a pipeline's tables with the real clients Debian ships:
 * `aws dynamodb describe-table / put-item / get-item / scan` and boto3's Table resource. Skipped,
 * with the reason shown, when a client is missing (.ci/run installs both).
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'
import { TABLES } from './client.ts'

const cli = findAwsCli()
const boto3 = findBoto3()

async function served() {
  return startPipeline({ name: 'ddb-cli', tables: TABLES }, { serve: true, teardown: onTestFinished })
}

describe('DynamoDB with the AWS CLI and boto3', () => {
  it('aws dynamodb describe-table, put-item, get-item, scan', { timeout: 120_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const p = await served()
    const aws = async (...args: string[]) =>
      JSON.parse(
        (await run(cli.path, ['dynamodb', ...args, '--endpoint-url', p.endpoint!, '--output', 'json'])) ||
          '{}',
      )
    const { Table } = await aws('describe-table', '--table-name', 'readings')
    expect(Table).toMatchObject({
      TableName: 'readings',
      TableStatus: 'ACTIVE',
      KeySchema: [
        { AttributeName: 'deviceId', KeyType: 'HASH' },
        { AttributeName: 'ts', KeyType: 'RANGE' },
      ],
    })
    await aws(
      'put-item',
      '--table-name',
      'readings',
      '--item',
      JSON.stringify({ deviceId: { S: 'd-1' }, ts: { N: '1' }, temperature: { N: '21.5' } }),
    )
    const { Item } = await aws(
      'get-item',
      '--table-name',
      'readings',
      '--key',
      JSON.stringify({ deviceId: { S: 'd-1' }, ts: { N: '1' } }),
    )
    expect(Item).toEqual({ deviceId: { S: 'd-1' }, ts: { N: '1' }, temperature: { N: '21.5' } })
    const scan = await aws('scan', '--table-name', 'readings')
    expect(scan).toMatchObject({ Count: 1, ScannedCount: 1, Items: [Item] })
    expect(p.table('readings').get({ deviceId: 'd-1', ts: 1 })).toEqual({
      deviceId: 'd-1',
      ts: 1,
      temperature: 21.5,
    })
  })

  it("boto3's Table resource: put_item, get_item, query, update_item", { timeout: 120_000 }, async (ctx) => {
    requireClient(boto3, ctx)
    const p = await served()
    const script = `
import json, sys, boto3
from boto3.dynamodb.conditions import Key
from decimal import Decimal
table = boto3.resource('dynamodb', endpoint_url=sys.argv[1]).Table('readings')
table.put_item(Item={'deviceId': 'd-1', 'ts': 1, 'temperature': Decimal('21.5')})
table.put_item(Item={'deviceId': 'd-1', 'ts': 2, 'temperature': Decimal('22')})
got = table.get_item(Key={'deviceId': 'd-1', 'ts': 2})['Item']
items = table.query(KeyConditionExpression=Key('deviceId').eq('d-1') & Key('ts').gt(1))['Items']
updated = table.update_item(Key={'deviceId': 'd-1', 'ts': 1}, UpdateExpression='SET temperature = temperature + :d',
  ExpressionAttributeValues={':d': Decimal('1')}, ReturnValues='UPDATED_NEW')['Attributes']
print(json.dumps({'got': got, 'items': items, 'updated': updated}, default=str))
`
    const out = JSON.parse(await run(boto3.python, ['-c', script, p.endpoint!]))
    expect(out).toEqual({
      got: { deviceId: 'd-1', ts: '2', temperature: '22' },
      items: [{ deviceId: 'd-1', ts: '2', temperature: '22' }],
      updated: { temperature: '22.5' },
    })
  })

  it("boto3's Table resource: sets and Binary values, ADD and DELETE of sets", {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const p = await served()
    const script = `
import json, sys, boto3
from boto3.dynamodb.types import Binary
table = boto3.resource('dynamodb', endpoint_url=sys.argv[1]).Table('devices')
table.put_item(Item={'deviceId': 'd-1', 'tags': {'a', 'b'}, 'ids': {1, 2}, 'raw': Binary(bytes(range(256)))})
table.update_item(Key={'deviceId': 'd-1'}, UpdateExpression='ADD tags :t DELETE ids :i',
  ExpressionAttributeValues={':t': {'c'}, ':i': {1}})
got = table.get_item(Key={'deviceId': 'd-1'})['Item']
print(json.dumps({
  'tags': sorted(got['tags']), 'ids': sorted(int(i) for i in got['ids']),
  'raw': isinstance(got['raw'], Binary) and got['raw'].value == bytes(range(256)),
}))
`
    const out = JSON.parse(await run(boto3.python, ['-c', script, p.endpoint!]))
    expect(out).toEqual({ tags: ['a', 'b', 'c'], ids: [2], raw: true })
  })
})
