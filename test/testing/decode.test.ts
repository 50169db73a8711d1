import { gzipSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { COMPRESSIONS } from '../../src/delivery/encoders/compression.ts'
import type { Compression, EncodeRequest } from '../../src/delivery/types.ts'
import { decodeRows, decompress } from '../../src/testing/decode.ts'

const ROWS = [
  { device: 'd-1', t: 21.5 },
  { device: 'd-2', t: 19 },
  { device: 'say "hi"\n{', t: 0 },
]
const NDJSON = Buffer.from(ROWS.map((r) => `${JSON.stringify(r)}\n`).join(''))

describe('lake object decoding', () => {
  it.each(Object.entries(COMPRESSIONS) as [Compression, (typeof COMPRESSIONS)[Compression]][])(
    'undoes %s by the extension Firehose gives it',
    async (_, { extension, compress }) => {
      const key = `events/part.json${extension}`
      const body = compress(NDJSON, { fileTimeMs: 0 } as EncodeRequest)
      expect(decompress(key, body)).toEqual(NDJSON)
      expect(await decodeRows(key, body)).toEqual(ROWS)
    },
  )

  it('recognises a gzip body whatever its key', async () => {
    expect(await decodeRows('processed/1.json', gzipSync(NDJSON))).toEqual(ROWS)
  })

  it('reads records written back to back (no appendNewline), and JSON scalars', async () => {
    const text = `${ROWS.map((r) => JSON.stringify(r)).join('')} 42 "a b" [1,{"x":"]"}]`
    expect(await decodeRows('raw/part', Buffer.from(text))).toEqual([...ROWS, 42, 'a b', [1, { x: ']' }]])
  })

  it('reads Parquet rows', async () => {
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'device', data: ['d-1', 'd-2'] },
        { name: 't', data: [21.5, 19] },
      ],
    })
    expect(await decodeRows('curated/part.parquet', Buffer.from(file))).toEqual([
      { device: 'd-1', t: 21.5 },
      { device: 'd-2', t: 19 },
    ])
  })

  it('names the key and the offset of text that is not JSON', async () => {
    await expect(decodeRows('raw/bad.json', Buffer.from('{"ok":1}\nnot json\n'))).rejects.toThrow(
      /^raw\/bad\.json: no JSON at offset 9 /,
    )
  })
})
