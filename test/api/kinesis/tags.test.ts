import {
  AddTagsToStreamCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  RemoveTagsFromStreamCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  expectAwsError,
  invalidArgument,
  notFound,
  send,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

async function tags(t: TestServer, name = 's') {
  return (await t.client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags
}

describe('AddTagsToStream / RemoveTagsFromStream / ListTagsForStream', () => {
  it('adds, overwrites and removes tags; lists them sorted by key', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await t.client.send(
      new AddTagsToStreamCommand({ StreamName: 's', Tags: { team: 'data', env: 'dev', cost: '' } }),
    )
    await t.client.send(new AddTagsToStreamCommand({ StreamARN: arnOf('s'), Tags: { env: 'prod' } }))
    const added = await t.client.send(new ListTagsForStreamCommand({ StreamName: 's' }))
    await t.client.send(new RemoveTagsFromStreamCommand({ StreamName: 's', TagKeys: ['team', 'absent'] }))

    expect(added.Tags).toEqual([
      { Key: 'cost', Value: '' },
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'data' },
    ])
    expect(added.HasMoreTags).toBe(false)
    expect(await tags(t)).toEqual([
      { Key: 'cost', Value: '' },
      { Key: 'env', Value: 'prod' },
    ])
  })

  it('pages with Limit and ExclusiveStartTagKey', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new AddTagsToStreamCommand({ StreamName: 's', Tags: { a: '1', b: '2', c: '3', d: '4' } }),
    )

    const first = await t.client.send(new ListTagsForStreamCommand({ StreamName: 's', Limit: 2 }))
    const rest = await t.client.send(
      new ListTagsForStreamCommand({ StreamARN: arnOf('s'), Limit: 2, ExclusiveStartTagKey: 'b' }),
    )

    expect(first.Tags!.map((x) => x.Key)).toEqual(['a', 'b'])
    expect(first.HasMoreTags).toBe(true)
    expect(rest.Tags!.map((x) => x.Key)).toEqual(['c', 'd'])
    expect(rest.HasMoreTags).toBe(false)
  })

  it('allows 50 tags and no more', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']))
    await t.client.send(new AddTagsToStreamCommand({ StreamName: 's', Tags: fifty }))

    await t.client.send(new AddTagsToStreamCommand({ StreamName: 's', Tags: { k0: 'overwritten' } }))
    await expectAwsError(
      t.client.send(new AddTagsToStreamCommand({ StreamName: 's', Tags: { one: 'too many' } })),
      invalidArgument(
        `Failed to add tags to stream s under account ${ACCOUNT} because a given stream cannot have more than 50 tags associated with it.`,
      ),
    )
    expect(await tags(t)).toHaveLength(50)
  })

  const invalidChars = invalidArgument(
    'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
  )
  const percent = (action: string) =>
    invalidArgument(
      `Failed to ${action} stream s under account ${ACCOUNT} because some tags contained illegal characters. ` +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    )
  it.each<[string, string, object, { name: string; message: string }]>([
    ['AddTagsToStream', 'an unknown stream', { StreamName: 'ghost', Tags: { a: 'b' } }, notFound('ghost')],
    [
      'AddTagsToStream',
      'a key with invalid characters',
      { StreamName: 's', Tags: { 'a#b': 'c' } },
      invalidChars,
    ],
    [
      'AddTagsToStream',
      'a value with invalid characters',
      { StreamName: 's', Tags: { a: 'b!' } },
      invalidChars,
    ],
    ['AddTagsToStream', 'a value with %', { StreamName: 's', Tags: { a: '50%' } }, percent('add tags to')],
    [
      'AddTagsToStream',
      'an empty map',
      { StreamName: 's', Tags: {} },
      validation(
        "Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'AddTagsToStream',
      'a 129-character key',
      { StreamName: 's', Tags: { ['k'.repeat(129)]: 'v' } },
      validation(
        `Value '{${'k'.repeat(129)}=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`,
      ),
    ],
    ['RemoveTagsFromStream', 'an unknown stream', { StreamName: 'ghost', TagKeys: ['a'] }, notFound('ghost')],
    [
      'RemoveTagsFromStream',
      'a key with invalid characters',
      { StreamName: 's', TagKeys: ['a#b'] },
      invalidChars,
    ],
    [
      'RemoveTagsFromStream',
      'a key with %',
      { StreamName: 's', TagKeys: ['a%'] },
      percent('remove tags from'),
    ],
    [
      'RemoveTagsFromStream',
      'no keys',
      { StreamName: 's', TagKeys: [] },
      validation(
        "Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    ['ListTagsForStream', 'an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'ListTagsForStream',
      'Limit 51',
      { StreamName: 's', Limit: 51 },
      validation(
        "Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
      ),
    ],
  ])('%s rejects %s', async (operation, _case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await t.client.send(new AddTagsToStreamCommand({ StreamName: 's', Tags: { keep: 'me' } }))

    await expectAwsError(send(t, operation, input), expected)
    expect(await tags(t)).toEqual([{ Key: 'keep', Value: 'me' }])
  })
})

describe('TagResource / UntagResource / ListTagsForResource', () => {
  it('tags a stream by its ARN; the tags are the stream tags', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await t.client.send(
      new TagResourceCommand({ ResourceARN: arnOf('s'), Tags: { owner: 'ana', tier: 'gold' } }),
    )
    const listed = await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arnOf('s') }))
    await t.client.send(new UntagResourceCommand({ ResourceARN: arnOf('s'), TagKeys: ['tier'] }))

    expect(listed.Tags).toEqual([
      { Key: 'owner', Value: 'ana' },
      { Key: 'tier', Value: 'gold' },
    ])
    expect(await tags(t)).toEqual([{ Key: 'owner', Value: 'ana' }])
    expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arnOf('s') }))).Tags).toEqual([
      { Key: 'owner', Value: 'ana' },
    ])
  })

  it.each<[string, string, object, { name: string; message: string }]>([
    [
      'TagResource',
      'an unknown stream',
      { ResourceARN: arnOf('ghost'), Tags: { a: 'b' } },
      notFound('ghost'),
    ],
    [
      'UntagResource',
      'an unknown stream',
      { ResourceARN: arnOf('ghost'), TagKeys: ['a'] },
      notFound('ghost'),
    ],
    ['ListTagsForResource', 'an unknown stream', { ResourceARN: arnOf('ghost') }, notFound('ghost')],
    [
      'ListTagsForResource',
      'a stream of another account',
      { ResourceARN: arnOf('s', '111111111111') },
      notFound('s', '111111111111'),
    ],
    [
      'ListTagsForResource',
      'an ARN that is not a Kinesis ARN',
      { ResourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue' },
      validation(
        "Value 'arn:aws:sqs:us-east-1:000000000000:queue' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+",
      ),
    ],
  ])('%s rejects %s', async (operation, _case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(send(t, operation, input), expected)
  })
})
