import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { errorOf, openStore } from './helpers.ts'

describe('BucketStore.putObject with a precomputed MD5', () => {
  it('uses it for the ETag (kept beside the object) instead of hashing the body', async () => {
    const { store } = await openStore()
    const body = Buffer.from('{"a":1}\n')
    const md5 = createHash('md5').update(body).digest('hex')
    expect(await store.putObject('raw', 'a.json', body, { md5 })).toEqual({ etag: `"${md5}"`, size: 8 })
    expect((await store.headObject('raw', 'a.json')).etag).toBe(`"${md5}"`)
    // Trusted as given: the store does not hash the body again.
    const other = 'f'.repeat(32)
    expect((await store.putObject('raw', 'b.json', body, { md5: other })).etag).toBe(`"${other}"`)
  })

  it('refuses anything but 32 lower-case hex digits', async () => {
    const { store } = await openStore()
    for (const md5 of ['', 'F'.repeat(32), 'a'.repeat(31), '"' + 'a'.repeat(32) + '"'])
      expect((await errorOf(() => store.putObject('raw', 'a.json', Buffer.from('x'), { md5 }))).name).toBe(
        'InvalidArgument',
      )
  })
})
