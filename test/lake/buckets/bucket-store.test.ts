import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BucketStore, type ObjectCreated } from '../../../src/lake/buckets/index.ts'
import { sidecarKey } from '../../../src/lake/buckets/sidecar-layout.ts'
import { errorOf, openStore, tree } from './helpers.ts'

const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`

describe('BucketStore put / get / head / delete', () => {
  it('stores bytes at <root>/<bucket>/<key> with an S3 ETag', async () => {
    const { root, store } = await openStore()
    const result = await store.putObject('raw', 'year=2026/month=11/a.json', Buffer.from('{"a":1}\n'))
    expect(result).toEqual({ etag: md5('{"a":1}\n'), size: 8 })
    expect(result.etag).toMatch(/^"[0-9a-f]{32}"$/)
    expect(await readFile(join(root, 'raw/year=2026/month=11/a.json'), 'utf8')).toBe('{"a":1}\n')
  })

  it('keeps content type, encoding and user metadata beside the object', async () => {
    const { clock, store } = await openStore()
    await store.putObject('raw', 'a.json.gz', Buffer.from('zz'), {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      metadata: { Source: 'sensor-7', 'x-trace': 'abc' },
    })
    const object = await store.getObject('raw', 'a.json.gz')
    expect(object).toEqual({
      key: 'a.json.gz',
      body: Buffer.from('zz'),
      size: 2,
      etag: md5('zz'),
      contentType: 'application/json',
      contentEncoding: 'gzip',
      metadata: { source: 'sensor-7', 'x-trace': 'abc' },
      lastModified: clock.now(),
    })
    const { body: _body, ...head } = object
    expect(await store.headObject('raw', 'a.json.gz')).toEqual(head)
  })

  it("defaults to S3's binary/octet-stream and no metadata", async () => {
    const { store } = await openStore()
    await store.putObject('raw', 'b', 'text')
    expect(await store.headObject('raw', 'b')).toMatchObject({
      contentType: 'binary/octet-stream',
      metadata: {},
      size: 4,
    })
    expect(await store.headObject('raw', 'b')).not.toHaveProperty('contentEncoding')
  })

  it('replaces an object atomically, with its metadata', async () => {
    const { clock, store } = await openStore()
    await store.putObject('raw', 'k', Buffer.from('one'), { metadata: { v: '1' }, contentType: 'text/a' })
    clock.advance(5000)
    await store.putObject('raw', 'k', Buffer.from('second'))
    expect(await store.getObject('raw', 'k')).toMatchObject({
      body: Buffer.from('second'),
      etag: md5('second'),
      metadata: {},
      contentType: 'binary/octet-stream',
      lastModified: clock.now(),
    })
  })

  it('answers NoSuchKey and NoSuchBucket with S3 messages', async () => {
    const { store } = await openStore()
    await store.putObject('raw', 'dir/file', 'x')
    expect(await errorOf(() => store.getObject('raw', 'missing'))).toMatchInlineSnapshot(`
      {
        "message": "The specified key does not exist.",
        "name": "NoSuchKey",
      }
    `)
    // A "folder" is not an object, and neither is a path through an object.
    expect((await errorOf(() => store.headObject('raw', 'dir'))).name).toBe('NoSuchKey')
    expect((await errorOf(() => store.getObject('raw', 'dir/file/x'))).name).toBe('NoSuchKey')
    expect(await errorOf(() => store.getObject('cold', 'x'))).toMatchInlineSnapshot(`
      {
        "message": "The specified bucket does not exist: cold",
        "name": "NoSuchBucket",
      }
    `)
  })

  it('deletes idempotently, like S3', async () => {
    const { root, store } = await openStore()
    await store.putObject('raw', 'a/b/c', 'x', { metadata: { m: '1' } })
    await store.deleteObject('raw', 'a/b/c')
    await store.deleteObject('raw', 'a/b/c')
    await store.deleteObject('raw', 'never/was')
    await store.deleteObject('raw', 'a')
    expect((await errorOf(() => store.getObject('raw', 'a/b/c'))).name).toBe('NoSuchKey')
    expect(await tree(join(root, 'raw'))).toEqual(['a/', 'a/b/'])
    // A later put of the emptied folder's name as an object works.
    await store.putObject('raw', 'a/b', 'now an object')
    expect((await store.getObject('raw', 'a/b')).body.toString()).toBe('now an object')
  })

  it('refuses an object where a folder of objects is, and a folder where an object is', async () => {
    const { store } = await openStore()
    await store.putObject('raw', 'a/b', 'x')
    expect(await errorOf(() => store.putObject('raw', 'a', 'y'))).toEqual({
      name: 'ObjectPathConflict',
      message: "Object key refused: 'a' is a folder holding other objects",
    })
    expect(await errorOf(() => store.putObject('raw', 'a/b/c', 'y'))).toEqual({
      name: 'ObjectPathConflict',
      message: "Object key refused: 'a/b' is an object, so it cannot also be a folder",
    })
  })

  it.each([
    ['a 2 KB metadata map', { k: 'v'.repeat(2047) }, undefined],
    ['metadata over 2 KB', { k: 'v'.repeat(2048) }, 'MetadataTooLarge'],
    ['a non-token metadata name', { 'bad name': 'v' }, 'InvalidArgument'],
    ['a non-string metadata value', { n: 1 }, 'InvalidArgument'],
    ['a newline in a value (header injection)', { n: 'a\r\nx-amz-acl: public' }, 'InvalidArgument'],
  ])('metadata: %s', async (_label, metadata, name) => {
    const { store } = await openStore()
    const put = () => store.putObject('raw', 'k', 'x', { metadata: metadata as Record<string, string> })
    if (name === undefined) await put()
    else expect((await errorOf(put)).name).toBe(name)
  })

  it('refuses a content type with control characters', async () => {
    const { store } = await openStore()
    expect((await errorOf(() => store.putObject('raw', 'k', 'x', { contentType: 'a\nb' }))).name).toBe(
      'InvalidArgument',
    )
  })

  it('emits object-created events after durable puts, with increasing sequencers', async () => {
    const { clock, store } = await openStore()
    const events: ObjectCreated[] = []
    const off = store.onObjectCreated((e) => events.push(e))
    await store.putObject('raw', 'a', 'x')
    await store.putObject('raw', 'b', 'yy')
    await errorOf(() => store.putObject('raw', '../c', 'z'))
    off()
    await store.putObject('raw', 'd', 'z')
    expect(events).toEqual([
      {
        bucket: 'raw',
        key: 'a',
        size: 1,
        etag: md5('x'),
        eventName: 'ObjectCreated:Put',
        eventTime: clock.now(),
        sequencer: expect.stringMatching(/^[0-9A-F]{18}$/),
      },
      expect.objectContaining({ key: 'b', size: 2 }),
    ])
    expect(events[1]!.sequencer > events[0]!.sequencer).toBe(true)
  })

  it('a throwing listener does not fail the put', async () => {
    const errors: string[] = []
    const { store } = await openStore(['raw'], {
      logger: { info() {}, warn() {}, error: (m) => errors.push(m) },
    })
    store.onObjectCreated(() => {
      throw new Error('boom')
    })
    await expect(store.putObject('raw', 'a', 'x')).resolves.toMatchObject({ size: 1 })
    expect(errors).toEqual(['object-created listener failed for raw/a: Error: boom'])
  })
})

describe('BucketStore durability and readers', () => {
  it('never shows temp files in the bucket, even while puts are in flight', async () => {
    const { root, store } = await openStore()
    const bodies = Array.from({ length: 40 }, (_, i) => `body-${i}-`.repeat(100 + i))
    const seen = new Set<string>()
    const puts = bodies.map((b, i) => store.putObject('raw', `p/${i % 4}/obj-${i}.json`, b))
    const watcher = (async () => {
      for (let round = 0; round < 30; round++) {
        for (const entry of await readdir(join(root, 'raw'), { recursive: true })) seen.add(entry)
        for (const o of (await store.listObjects('raw')).objects) seen.add(o.key)
      }
    })()
    await Promise.all([...puts, watcher])
    expect([...seen].filter((name) => name.endsWith('.tmp') || name.includes('.tmp/'))).toEqual([])
    for (let i = 0; i < bodies.length; i++) {
      expect(await readFile(join(root, 'raw', 'p', String(i % 4), `obj-${i}.json`), 'utf8')).toBe(bodies[i])
    }
    expect(await readdir(join(root, '.tmp'))).toEqual([])
    expect((await store.listObjects('raw')).keyCount).toBe(40)
  })

  it('removes temp files a crashed run left behind when it opens', async () => {
    const { root, store } = await openStore()
    await store.putObject('raw', 'kept', 'x')
    await writeFile(join(root, '.tmp', '4242-deadbeef-1.tmp'), 'half a file')
    await writeFile(join(root, '.tmp', '4242-deadbeef-2.tmp'), '{"v":1')
    const reopened = await BucketStore.open({ root, buckets: ['raw'] })
    expect(await readdir(join(root, '.tmp'))).toEqual([])
    expect((await reopened.getObject('raw', 'kept')).body.toString()).toBe('x')
  })

  it('ignores a sidecar that belongs to another file (crash between the two renames)', async () => {
    const { root, store } = await openStore()
    await store.putObject('raw', 'k', 'old', { contentType: 'text/old', metadata: { a: 'b' } })
    // What a crash after the sidecar rename and before the data rename leaves: a sidecar naming
    // the temp file's inode, beside the previous data file.
    const sidecarPath = join(root, '.sidecars', 'raw', sidecarKey('k'))
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8'))
    await writeFile(
      sidecarPath,
      JSON.stringify({ ...sidecar, ino: '1', etag: md5('new'), contentType: 'text/new' }),
    )
    expect(await store.headObject('raw', 'k')).toMatchObject({
      etag: md5('old'),
      contentType: 'binary/octet-stream',
      metadata: {},
      size: 3,
    })
  })

  it('ignores a sidecar when the data file was rewritten in place', async () => {
    const { root, store } = await openStore()
    await store.putObject('raw', 'k', 'old', { contentType: 'text/old' })
    await writeFile(join(root, 'raw', 'k'), 'new')
    await utimes(join(root, 'raw', 'k'), new Date(2000, 0, 1), new Date(2000, 0, 1))
    expect(await store.headObject('raw', 'k')).toMatchObject({
      etag: md5('new'),
      contentType: 'binary/octet-stream',
    })
  })

  it('serves files put into the lake by other tools, with S3 defaults', async () => {
    const { root, store } = await openStore()
    await mkdir(join(root, 'raw', 'ext'), { recursive: true })
    await writeFile(join(root, 'raw', 'ext', 'f.csv'), 'a,b\n')
    expect(await store.getObject('raw', 'ext/f.csv')).toMatchObject({
      body: Buffer.from('a,b\n'),
      etag: md5('a,b\n'),
      contentType: 'binary/octet-stream',
    })
    expect((await store.listObjects('raw')).objects).toEqual([
      expect.objectContaining({ key: 'ext/f.csv', etag: md5('a,b\n'), size: 4 }),
    ])
  })

  it('keeps sidecars out of the bucket tree, under names no data glob matches', async () => {
    const { root, store } = await openStore()
    await store.putObject('raw', 'x/y.json', '{}', { metadata: { a: '1' } })
    expect(await tree(join(root, 'raw'))).toEqual(['x/', 'x/y.json'])
    const sidecars = (await tree(root)).filter((f) => f.startsWith('.sidecars/') && !f.endsWith('/'))
    expect(sidecars).toEqual([`.sidecars/raw/${sidecarKey('x/y.json')}`])
    expect(sidecars[0]).toMatch(/^\.sidecars\/raw\/[0-9a-f]{2}\/[0-9a-f]{64}\.s3meta$/)
  })

  it('keeps the metadata of a key whose last segment is 255 bytes, and of a key named like a folder of another', async () => {
    const { store } = await openStore()
    const long = `${'x'.repeat(250)}.json`
    await store.putObject('raw', long, '1', { contentType: 'text/long' })
    await store.putObject('raw', 'a', '2', { contentType: 'text/a' })
    await store.putObject('raw', 'a.s3meta/b', '3', { contentType: 'text/b' })
    expect((await store.headObject('raw', long)).contentType).toBe('text/long')
    expect((await store.headObject('raw', 'a')).contentType).toBe('text/a')
    expect((await store.headObject('raw', 'a.s3meta/b')).contentType).toBe('text/b')
  })

  it('works without fsync (tests and benchmarks)', async () => {
    const { store } = await openStore(['raw'], { fsync: false })
    await store.putObject('raw', 'a', 'x')
    expect((await store.getObject('raw', 'a')).body.toString()).toBe('x')
  })
})
