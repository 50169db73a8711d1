import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { bucket } from '../../../src/bindings/index.ts'
import { BindingRouter } from '../../../src/functions/bindings-host.ts'
import { createBucketBindings } from '../../../src/lake/buckets/index.ts'
import { pool, spec } from '../../functions/workers/helpers.ts'
import { installHost } from '../../helpers/binding-host.ts'
import { errorOf, openStore } from './helpers.ts'

describe('bucket bindings', () => {
  it('serves the handler-facing bucket() API end to end', async () => {
    const { root, store, clock } = await openStore()
    installHost(createBucketBindings(store))
    const raw = bucket('raw')

    expect(await raw.put('t/a.txt', 'hello')).toEqual({ etag: '"5d41402abc4b2a76b9719d911017c592"', size: 5 })
    await raw.put('t/b.json', { b: [1, 2] }, { metadata: { Team: 'data' } })
    await raw.put('c.bin', new Uint8Array([1, 2, 3]), { contentType: 'application/x-thing' })
    expect(await readFile(join(root, 'raw/t/b.json'), 'utf8')).toBe('{"b":[1,2]}')

    const got = await raw.get('t/b.json')
    expect(got).toEqual({
      key: 't/b.json',
      body: new Uint8Array(Buffer.from('{"b":[1,2]}')),
      size: 11,
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      contentType: 'application/json',
      metadata: { team: 'data' },
      lastModified: new Date(clock.now()),
    })
    expect(got.body).toBeInstanceOf(Uint8Array)
    expect((await raw.head('t/a.txt')).contentType).toBe('text/plain; charset=utf-8')
    expect((await raw.head('c.bin')).contentType).toBe('application/x-thing')

    const page = await raw.list({ delimiter: '/', maxKeys: 1 })
    expect(page).toMatchObject({
      objects: [{ key: 'c.bin', size: 3 }],
      commonPrefixes: [],
      isTruncated: true,
    })
    expect(page.objects[0]!.lastModified).toBeInstanceOf(Date)
    const next = await raw.list({ delimiter: '/', continuationToken: page.nextContinuationToken })
    expect(next).toMatchObject({ objects: [], commonPrefixes: ['t/'], isTruncated: false })

    await raw.delete('t/a.txt')
    await raw.delete('t/a.txt')
    expect((await raw.list({ prefix: 't/' })).objects.map((o) => o.key)).toEqual(['t/b.json'])
  })

  it('rejects with S3 error names a handler can test', async () => {
    const { store } = await openStore()
    installHost(createBucketBindings(store))
    expect(await errorOf(() => bucket('raw').get('missing'))).toEqual({
      name: 'NoSuchKey',
      message: 'The specified key does not exist.',
    })
    expect((await errorOf(() => bucket('cold').put('k', 'x'))).name).toBe('NoSuchBucket')
    expect(await errorOf(() => bucket('raw').put('../etc/passwd', 'x'))).toEqual({
      name: 'InvalidArgument',
      message: "Object key refused: key segment '..' would leave its directory",
    })
    expect((await errorOf(() => bucket('raw').put('k'.repeat(1025), 'x'))).name).toBe('KeyTooLongError')
    expect((await errorOf(() => bucket('raw').put(42 as unknown as string, 'x'))).name).toBe(
      'InvalidArgument',
    )
    expect((await errorOf(() => bucket('raw').put('k', undefined as unknown as string))).name).toBe(
      'InvalidArgument',
    )
    expect(
      (
        await errorOf(() =>
          bucket('raw').put('k', 'x', { acl: 'public' } as unknown as { contentType: string }),
        )
      ).message,
    ).toBe("unknown put option 'acl'")
    const serve = createBucketBindings(store)
    expect(
      await errorOf(() => serve({ service: 'bucket', resource: 'raw', method: 'copy', args: [] })),
    ).toEqual({ name: 'NotImplemented', message: "buckets have no method 'copy'" })
  })

  it('round-trips bytes through a real function worker', async () => {
    const { store } = await openStore(['raw'], { fsync: false })
    const file = fileURLToPath(new URL('./fixtures/bucket-handler.ts', import.meta.url))
    const p = pool({
      functions: [spec('uses-bucket', file)],
      bindings: new BindingRouter({ bucket: createBucketBindings(store) }),
    })
    const outcome = await p.invoke('uses-bucket', {})
    expect(outcome).toMatchObject({
      kind: 'ok',
      result: {
        put: { size: 6 },
        bodyIsUint8Array: true,
        body: [0, 1, 2, 253, 254, 255],
        metadata: { origin: 'worker' },
        lastModifiedIsDate: true,
        prefixes: ['bin/', 'json/'],
        missing: { name: 'NoSuchKey', message: 'The specified key does not exist.' },
      },
    })
    expect([...(await store.getObject('raw', 'bin/data.bin')).body]).toEqual([0, 1, 2, 253, 254, 255])
  })
})
