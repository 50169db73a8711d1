import {
  CreateTableCommand,
  DeleteTableCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { clientFor, failure, reopened, served } from './client.ts'
import { post, validation } from './raw.ts'

const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table'

describe('DynamoDB table tags', () => {
  it("TagResource, UntagResource, ListTagsOfResource and CreateTable's Tags; kept across a restart, gone with the table", async () => {
    const { p, ddb } = await served()
    const list = async (client = ddb, table = 'devices') =>
      (await client.send(new ListTagsOfResourceCommand({ ResourceArn: `${ARN}/${table}` }))).Tags
    expect(await list()).toEqual([])
    await ddb.send(
      new TagResourceCommand({
        ResourceArn: `${ARN}/devices`,
        Tags: [
          { Key: 't1', Value: 'v1' },
          { Key: 't2', Value: 'v2' },
        ],
      }),
    )
    await ddb.send(
      new TagResourceCommand({ ResourceArn: `${ARN}/devices`, Tags: [{ Key: 't1', Value: 'new' }] }),
    )
    await ddb.send(new UntagResourceCommand({ ResourceArn: `${ARN}/devices`, TagKeys: ['t2', 'absent'] }))
    expect(await list()).toEqual([{ Key: 't1', Value: 'new' }])
    await ddb.send(
      new CreateTableCommand({
        TableName: 'made',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        Tags: [{ Key: 'team', Value: 'lake' }],
      }),
    )
    expect(await list(ddb, 'made')).toEqual([{ Key: 'team', Value: 'lake' }])
    await p.close()

    const again = await reopened(p)
    const after = clientFor(again)
    expect(await list(after)).toEqual([{ Key: 't1', Value: 'new' }])
    expect(await list(after, 'made')).toEqual([{ Key: 'team', Value: 'lake' }])
    await after.send(new DeleteTableCommand({ TableName: 'made' }))
    expect(await failure(list(after, 'made'))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Requested resource not found: ResourcArn: ${ARN}/made not found`,
    })
  })

  it("answers DynamoDB's recorded errors, in its order", async () => {
    const { p } = await served()
    const call = (operation: string, body: unknown) => post(p.endpoint!, operation, body)
    const denied = (action: string, resource: string) => ({
      status: 400,
      body: {
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: `User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:${action} on resource: ${resource}`,
      },
    })
    for (const action of ['TagResource', 'UntagResource', 'ListTagsOfResource']) {
      expect(await call(action, {})).toEqual(validation('Invalid TableArn'))
      expect(await call(action, { ResourceArn: '' })).toEqual(denied(action, '*'))
      for (const arn of ['abcd', 'a:b:c:d:e:f', 'a:b:c:d:e/f'])
        expect(await call(action, { ResourceArn: arn })).toEqual(denied(action, arn))
    }
    expect(await call('TagResource', { ResourceArn: 'a:b:c:d:e:f/g' })).toEqual(
      validation(
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
      ),
    )
    expect(await call('UntagResource', { ResourceArn: 'a:b:c:d:e:f/g' })).toEqual(
      validation(
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
      ),
    )
    expect(await call('TagResource', { ResourceArn: 'a:b:c:d:e:f/g', Tags: [] })).toEqual(
      validation('Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g'),
    )
    expect(await call('ListTagsOfResource', { ResourceArn: `${ARN}/ab` })).toEqual(
      validation(`Invalid TableArn: Invalid ResourceArn provided as input ${ARN}/ab`),
    )
    expect(await call('TagResource', { ResourceArn: `${ARN}/nothing`, Tags: [] })).toEqual(
      validation('Atleast one Tag needs to be provided as Input.'),
    )
    expect(await call('UntagResource', { ResourceArn: `${ARN}/nothing`, TagKeys: [] })).toEqual(
      validation('Atleast one Tag Key needs to be provided as Input.'),
    )
    const notFound = (message: string) => ({
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message },
    })
    expect(
      await call('TagResource', { ResourceArn: `${ARN}/nothing`, Tags: [{ Key: 'a', Value: 'b' }] }),
    ).toEqual(notFound(`Requested resource not found: ResourcArn: ${ARN}/nothing not found`))
    expect(await call('UntagResource', { ResourceArn: `${ARN}/nothing`, TagKeys: ['a'] })).toEqual(
      notFound('Requested resource not found'),
    )
    // DynamoDB's quotas: 50 tags a table, keys of 1-128 characters; nothing is changed when refused.
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))
    expect((await call('TagResource', { ResourceArn: `${ARN}/devices`, Tags: many })).status).toBe(400)
    expect(
      (
        await call('TagResource', {
          ResourceArn: `${ARN}/devices`,
          Tags: [{ Key: 'k'.repeat(129), Value: '' }],
        })
      ).status,
    ).toBe(400)
    expect((await call('ListTagsOfResource', { ResourceArn: `${ARN}/devices` })).body).toEqual({ Tags: [] })
  })
})
