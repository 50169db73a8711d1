import { describe, expect, it } from 'vitest'
import type { BucketStore, ListObjectsOptions } from '../../../src/lake/buckets/index.ts'
import { compareKeys } from '../../../src/lake/buckets/index.ts'
import { errorOf, openStore } from './helpers.ts'

// Chosen so that directory order, UTF-16 order and UTF-8 byte order would disagree ('-' < '/').
const KEYS = [
  'a',
  'a-b',
  'a.c/x',
  'a0',
  'ab/c',
  'b/1',
  'b/2/x',
  'b/2/y',
  'b/3',
  'b-c',
  'c/d/e/f',
  'z',
  '\ue000/private-use',
  '😀',
  'é',
]

async function storeWith(keys: readonly string[]) {
  const opened = await openStore(['raw'], { fsync: false })
  for (const key of keys) await opened.store.putObject('raw', key, key)
  return opened
}

/** Every page of a listing, following continuation tokens. */
async function allPages(store: BucketStore, options: ListObjectsOptions) {
  const pages: { keys: string[]; prefixes: string[]; truncated: boolean }[] = []
  let token: string | undefined
  do {
    const page = await store.listObjects('raw', { ...options, continuationToken: token })
    pages.push({
      keys: page.objects.map((o) => o.key),
      prefixes: page.commonPrefixes,
      truncated: page.isTruncated,
    })
    expect(page.keyCount).toBe(page.objects.length + page.commonPrefixes.length)
    token = page.nextContinuationToken
    expect(token !== undefined).toBe(page.isTruncated)
  } while (token)
  return pages
}

describe('listObjects (ListObjectsV2)', () => {
  it('lists every key in UTF-8 byte order with size, ETag and time', async () => {
    const { store, clock } = await storeWith(KEYS)
    const page = await store.listObjects('raw')
    const sorted = [...KEYS].sort(compareKeys)
    expect(page.objects.map((o) => o.key)).toEqual(sorted)
    // UTF-8 order puts U+E000 before the emoji, where UTF-16 order would not.
    expect(sorted.slice(-3)).toEqual(['é', '\ue000/private-use', '😀'])
    expect(page.objects[0]).toEqual({
      key: 'a',
      size: 1,
      etag: '"0cc175b9c0f1b6a831c399e269772661"',
      lastModified: clock.now(),
    })
    expect(page).toMatchObject({ isTruncated: false, commonPrefixes: [], keyCount: KEYS.length })
    expect(page).not.toHaveProperty('nextContinuationToken')
  })

  it.each([1, 2, 3, 7, 1000])('pages by maxKeys=%i without gaps or repeats', async (maxKeys) => {
    const { store } = await storeWith(KEYS)
    const pages = await allPages(store, { maxKeys })
    expect(pages.flatMap((p) => p.keys)).toEqual([...KEYS].sort(compareKeys))
    expect(pages.every((p) => p.keys.length <= maxKeys)).toBe(true)
    expect(pages.at(-1)!.truncated).toBe(false)
  })

  it.each<[string, ListObjectsOptions, string[], string[]]>([
    [
      'top level with /',
      { delimiter: '/' },
      ['a', 'a-b', 'a0', 'b-c', 'z', 'é', '😀'],
      ['a.c/', 'ab/', 'b/', 'c/', '\ue000/'],
    ],
    ['inside b/', { prefix: 'b/', delimiter: '/' }, ['b/1', 'b/3'], ['b/2/']],
    ['prefix only', { prefix: 'b/2' }, ['b/2/x', 'b/2/y'], []],
    ['partial-name prefix', { prefix: 'a' }, ['a', 'a-b', 'a.c/x', 'a0', 'ab/c'], []],
    [
      'prefix that is not a folder, with /',
      { prefix: 'a', delimiter: '/' },
      ['a', 'a-b', 'a0'],
      ['a.c/', 'ab/'],
    ],
    [
      'a delimiter other than /',
      { delimiter: '-' },
      ['a', 'a.c/x', 'a0', 'ab/c', 'b/1', 'b/2/x', 'b/2/y', 'b/3', 'c/d/e/f', 'z', 'é', '😀'],
      ['a-', 'b-', '\ue000/private-'],
    ],
    ['a multi-character delimiter', { prefix: 'c/', delimiter: '/e/' }, [], ['c/d/e/']],
    [
      'startAfter',
      { startAfter: 'b/2/x' },
      ['b/2/y', 'b/3', 'c/d/e/f', 'z', 'é', '\ue000/private-use', '😀'],
      [],
    ],
    [
      'startAfter a missing key',
      { startAfter: 'b/2' },
      ['b/2/x', 'b/2/y', 'b/3', 'c/d/e/f', 'z', 'é', '\ue000/private-use', '😀'],
      [],
    ],
    [
      'startAfter with delimiter',
      { startAfter: 'b/', delimiter: '/', prefix: 'b/' },
      ['b/1', 'b/3'],
      ['b/2/'],
    ],
    ['no match', { prefix: 'nothing/' }, [], []],
  ])('%s', async (_label, options, keys, prefixes) => {
    const { store } = await storeWith(KEYS)
    const page = await store.listObjects('raw', options)
    expect(page.objects.map((o) => o.key)).toEqual(keys)
    expect(page.commonPrefixes).toEqual(prefixes)
  })

  it('counts common prefixes toward maxKeys and never repeats one across pages', async () => {
    const { store } = await storeWith(KEYS)
    const pages = await allPages(store, { delimiter: '/', maxKeys: 2 })
    expect(pages.map((p) => [...p.keys, ...p.prefixes].sort(compareKeys))).toEqual([
      ['a', 'a-b'],
      ['a.c/', 'a0'],
      ['ab/', 'b-c'],
      ['b/', 'c/'],
      ['z', 'é'],
      ['\ue000/', '😀'],
    ])
  })

  it('ignores startAfter when a continuation token is given, as S3', async () => {
    const { store } = await storeWith(KEYS)
    const first = await store.listObjects('raw', { maxKeys: 2 })
    const second = await store.listObjects('raw', {
      maxKeys: 2,
      continuationToken: first.nextContinuationToken,
      startAfter: 'z',
    })
    expect(second.objects.map((o) => o.key)).toEqual(['a.c/x', 'a0'])
  })

  it('does not list empty folders left by deletes, nor sidecars or temp files', async () => {
    const { store } = await storeWith(['x/y/z', 'keep'])
    await store.deleteObject('raw', 'x/y/z')
    expect(await store.listObjects('raw', { delimiter: '/' })).toMatchObject({
      objects: [expect.objectContaining({ key: 'keep' })],
      commonPrefixes: [],
    })
  })

  it('returns an empty page for maxKeys 0 and clamps maxKeys above 1000', async () => {
    const { store } = await storeWith(KEYS)
    expect(await store.listObjects('raw', { maxKeys: 0 })).toMatchObject({ objects: [], isTruncated: false })
    expect((await store.listObjects('raw', { maxKeys: 5000 })).objects).toHaveLength(KEYS.length)
  })

  it.each<[string, ListObjectsOptions]>([
    ['a negative maxKeys', { maxKeys: -1 }],
    ['a fractional maxKeys', { maxKeys: 1.5 }],
    ['a forged continuation token', { continuationToken: 'not-a-token' }],
  ])('refuses %s with InvalidArgument', async (_label, options) => {
    const { store } = await storeWith(['a'])
    expect((await errorOf(() => store.listObjects('raw', options))).name).toBe('InvalidArgument')
  })

  it('pages through more than 1000 keys', async () => {
    const keys = Array.from({ length: 1203 }, (_, i) => `d${i % 3}/k-${String(i).padStart(5, '0')}`)
    const { store } = await storeWith(keys)
    const pages = await allPages(store, {})
    expect(pages.map((p) => p.keys.length)).toEqual([1000, 203])
    expect(pages.flatMap((p) => p.keys)).toEqual([...keys].sort(compareKeys))
  })
})
