import { gzipSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { PREVIEW_BYTES, PREVIEW_ROWS, previewObject } from '../../src/web/preview.ts'

const obj = (body: Buffer, contentEncoding?: string) => ({ body, size: body.length, contentEncoding })

describe('previewObject', () => {
  it('shows the first rows of a Parquet file', async () => {
    const body = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'device', data: Array.from({ length: 60 }, (_, i) => `sensor-${i}`) },
          { name: 'temp', data: Array.from({ length: 60 }, (_, i) => i / 2) },
        ],
      }),
    )
    const preview = await previewObject('a.parquet', obj(body))
    expect(preview).toMatchObject({ format: 'parquet', columns: ['device', 'temp'], truncated: true })
    expect(preview.format === 'parquet' && preview.rows.slice(0, 2)).toEqual([
      ['sensor-0', 0],
      ['sensor-1', 0.5],
    ])
    expect(preview.format === 'parquet' && preview.rows.length).toBe(PREVIEW_ROWS)
  })

  it('gunzips only the start of a large gzip object', async () => {
    const line = `${JSON.stringify({ pad: 'x'.repeat(200) })}\n`
    const body = gzipSync(line.repeat(Math.ceil((PREVIEW_BYTES * 4) / line.length)))
    const preview = await previewObject('big.json.gz', obj(body))
    expect(preview).toMatchObject({ format: 'text', truncated: true })
    expect(preview.format === 'text' && preview.lines).toHaveLength(PREVIEW_ROWS)
  })

  it.each([
    ['plain text', Buffer.from('a\nb\n'), { format: 'text', lines: ['a', 'b'], truncated: false }],
    ['binary', Buffer.from([1, 0, 2, 3]), { format: 'binary' }],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), { format: 'binary' }],
  ])('previews %s', async (_name, body, expected) => {
    expect(await previewObject('k', obj(body))).toMatchObject(expected)
  })
})
