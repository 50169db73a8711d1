import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkObjectKey } from '../../../src/lake/buckets/index.ts'
import { errorOf, openStore, tree } from './helpers.ts'

const refused: Array<[label: string, key: string, name: string, reason: RegExp]> = [
  ['parent segment', '../x', 'InvalidArgument', /segment '\.\.'/],
  ['parent escaping twice', 'a/../../x', 'InvalidArgument', /segment '\.\.'/],
  ['parent at the end', 'a/..', 'InvalidArgument', /segment '\.\.'/],
  ['dot segment', './x', 'InvalidArgument', /segment '\.'/],
  ['dot alone', '.', 'InvalidArgument', /segment '\.'/],
  ['dot-dot alone', '..', 'InvalidArgument', /segment '\.\.'/],
  ['dot in the middle', 'a/./b', 'InvalidArgument', /segment '\.'/],
  ['absolute path', '/abs', 'InvalidArgument', /absolute path/],
  ['absolute /etc/passwd', '/etc/passwd', 'InvalidArgument', /absolute path/],
  ['empty segment', 'a//b', 'InvalidArgument', /empty segment/],
  ['trailing slash (folder object)', 'folder/', 'InvalidArgument', /ends with '\/'/],
  ['only a slash', '/', 'InvalidArgument', /absolute path/],
  ['empty key', '', 'InvalidArgument', /empty/],
  ['NUL', 'a\u0000b', 'InvalidArgument', /control character/],
  ['NUL hiding a parent', '..\u0000/x', 'InvalidArgument', /control character/],
  ['newline', 'a\nb', 'InvalidArgument', /control character/],
  ['carriage return', 'a\rb', 'InvalidArgument', /control character/],
  ['tab', 'a\tb', 'InvalidArgument', /control character/],
  ['DEL', 'a\u007fb', 'InvalidArgument', /control character/],
  ['C1 control', 'a\u0085b', 'InvalidArgument', /control character/],
  ['backslash', 'a\\b', 'InvalidArgument', /backslash/],
  ['windows parent', '..\\x', 'InvalidArgument', /backslash/],
  ['unpaired surrogate', 'a\ud800b', 'InvalidArgument', /unpaired surrogate/],
  ['1025-byte key', 'k'.repeat(1025), 'KeyTooLongError', /1025 bytes .* 1024-byte limit/],
  ['5000-byte key', 'k/'.repeat(2499) + 'kk', 'KeyTooLongError', /5000 bytes/],
  ['1025 bytes of multi-byte characters', 'é'.repeat(512) + 'k', 'KeyTooLongError', /1025 bytes/],
  ['300-byte segment', `a/${'s'.repeat(300)}`, 'InvalidArgument', /300 bytes .* 255-byte file name limit/],
  ['256-byte segment of emoji', '😀'.repeat(64), 'InvalidArgument', /256 bytes/],
]

const allowed: Array<[label: string, key: string]> = [
  ['percent-encoded parent (literal, never decoded)', '%2e%2e/x'],
  ['double percent-encoded parent', '%252e%252e/%2fx'],
  ['dots inside names', 'a..b/...'],
  ['three dots', '.../x'],
  ['hidden file', '.hidden'],
  ['hive partitions', 'year=2026/month=11/part-0001.json.gz'],
  ['unicode', 'données/日本語/😀.json'],
  ['spaces and symbols', "my file (1) & 'copy' #2 +.txt"],
  ['exactly 1024 bytes', `${'a'.repeat(255)}/${'b'.repeat(255)}/${'c'.repeat(255)}/${'d'.repeat(256 - 3)}`],
  ['255-byte segment', 'x'.repeat(255)],
]

describe('checkObjectKey', () => {
  it.each(refused)('refuses %s', (_label, key, name, reason) => {
    const check = checkObjectKey(key)
    expect(check.ok).toBe(false)
    if (check.ok) return
    expect(check.code).toBe(name)
    expect(check.reason).toMatch(reason)
  })

  it.each(allowed)('allows %s', (_label, key) => {
    expect(checkObjectKey(key)).toEqual({ ok: true })
  })

  it('refuses non-strings', () => {
    expect(checkObjectKey(42)).toMatchObject({ ok: false, reason: 'key must be a string' })
  })

  it('reports why, in one clear line', () => {
    expect(checkObjectKey('a/../../x')).toMatchInlineSnapshot(`
      {
        "code": "InvalidArgument",
        "ok": false,
        "reason": "key segment '..' would leave its directory",
      }
    `)
  })
})

describe('hostile keys against the store', () => {
  it.each(refused)('put refuses %s and writes nothing anywhere', async (_label, key, name, reason) => {
    const { dir, store } = await openStore()
    const before = await tree(dir)
    const error = await errorOf(() => store.putObject('raw', key, Buffer.from('x')))
    expect(error.name).toBe(name)
    expect(error.message).toMatch(/^Object key refused: /)
    expect(error.message).toMatch(reason)
    expect(await tree(dir)).toEqual(before)
  })

  it.each(refused)('get, head and delete refuse %s', async (_label, key, name) => {
    const { store } = await openStore()
    expect((await errorOf(() => store.getObject('raw', key))).name).toBe(name)
    expect((await errorOf(() => store.headObject('raw', key))).name).toBe(name)
    expect((await errorOf(() => store.deleteObject('raw', key))).name).toBe(name)
  })

  it.each(allowed)('put of %s stays inside the bucket', async (_label, key) => {
    const { dir, root, store } = await openStore()
    await store.putObject('raw', key, Buffer.from('inside'))
    expect(await readFile(join(root, 'raw', ...key.split('/')), 'utf8')).toBe('inside')
    expect((await tree(dir)).filter((p) => !p.startsWith('lake/'))).toEqual([])
    expect((await store.getObject('raw', key)).body.toString()).toBe('inside')
  })

  it('never follows a folder replaced by a symbolic link to outside', async () => {
    const { dir, root, store } = await openStore()
    await store.putObject('raw', 'data/a.json', Buffer.from('a'))
    const outside = join(dir, 'outside')
    await mkdir(outside)
    await writeFile(join(outside, 'secret'), 'secret')
    await symlink(outside, join(root, 'raw', 'evil'))

    for (const key of ['evil/x', 'evil/deeper/x', 'evil/secret']) {
      const error = await errorOf(() => store.putObject('raw', key, Buffer.from('pwned')))
      expect(error).toEqual({
        name: 'InvalidArgument',
        message: "Object key refused: 'evil' is a symbolic link, which the bucket store never follows",
      })
    }
    expect((await errorOf(() => store.getObject('raw', 'evil/secret'))).name).toBe('InvalidArgument')
    expect((await errorOf(() => store.headObject('raw', 'evil/secret'))).name).toBe('InvalidArgument')
    expect((await errorOf(() => store.deleteObject('raw', 'evil/secret'))).name).toBe('InvalidArgument')
    expect(await tree(outside)).toEqual(['secret'])
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('secret')
    // A link is not an object: listings do not descend into it.
    expect((await store.listObjects('raw')).objects.map((o) => o.key)).toEqual(['data/a.json'])
  })

  it('never follows a symbolic link in place of an object', async () => {
    const { dir, root, store } = await openStore()
    const target = join(dir, 'target')
    await writeFile(target, 'original')
    await symlink(target, join(root, 'raw', 'leaf'))
    expect((await errorOf(() => store.putObject('raw', 'leaf', Buffer.from('pwned')))).name).toBe(
      'InvalidArgument',
    )
    expect((await errorOf(() => store.getObject('raw', 'leaf'))).message).toMatch(/symbolic link/)
    expect(await readFile(target, 'utf8')).toBe('original')
  })

  it('never follows a bucket directory replaced by a symbolic link', async () => {
    const { dir, root, store } = await openStore(['raw', 'other'])
    const outside = join(dir, 'outside')
    await mkdir(outside)
    const { rm } = await import('node:fs/promises')
    await rm(join(root, 'other'), { recursive: true })
    await symlink(outside, join(root, 'other'))
    expect((await errorOf(() => store.putObject('other', 'x', Buffer.from('pwned')))).name).toBe(
      'InvalidArgument',
    )
    expect(await tree(outside)).toEqual([])
  })

  it('refuses undeclared buckets, including path-like names', async () => {
    const { store } = await openStore()
    for (const bucket of ['nope', '..', '.tmp', '.sidecars', '.meta', 'raw/..', '']) {
      expect((await errorOf(() => store.putObject(bucket, 'x', Buffer.from('x')))).name).toBe('NoSuchBucket')
    }
  })
})
