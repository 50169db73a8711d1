import { describe, expect, it } from 'vitest'
import { formatCsv, formatJson, formatTable } from '../../src/query/format.ts'
import type { QueryResult } from '../../src/query/lake-query.ts'

function result(rows: QueryResult['rows'], truncated = false): QueryResult {
  return {
    columns: [
      { name: 'sensor', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
      { name: 'avg', type: 'DOUBLE' },
      { name: 'tags', type: 'VARCHAR[]' },
    ],
    rows,
    rowCount: rows.length,
    truncated,
  }
}

const rows: QueryResult['rows'] = [
  ['s-1', 12, 1.5, ['a']],
  ['a "quoted", long\nname', 3, null, null],
]

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers, shows NULL and counts rows', () => {
    expect(formatTable(result(rows))).toMatchInlineSnapshot(`
      " sensor                | n  | avg  | tags
      -----------------------+----+------+-------
       s-1                   | 12 |  1.5 | ["a"]
       a "quoted", long↵name |  3 | NULL | NULL
      (2 rows)
      "
    `)
  })

  it('cuts long cells with an ellipsis', () => {
    const text = formatTable(result([['x'.repeat(50), 1, 1, []]]), { maxCellWidth: 10 })
    expect(text.split('\n')[2]).toBe(' xxxxxxxxx… | 1 |   1 | []')
  })

  it('says "1 row", "0 rows", and when rows were cut off', () => {
    expect(formatTable(result([rows[0]!])).endsWith('(1 row)\n')).toBe(true)
    expect(formatTable(result([])).endsWith('(0 rows)\n')).toBe(true)
    expect(formatTable(result([rows[0]!], true)).endsWith('(1 row; more rows not shown)\n')).toBe(true)
  })
})

describe('formatJson', () => {
  it('prints a JSON array with one row object per line', () => {
    const text = formatJson(result(rows))
    expect(text).toMatchInlineSnapshot(`
      "[
      {"sensor":"s-1","n":12,"avg":1.5,"tags":["a"]},
      {"sensor":"a \\"quoted\\", long\\nname","n":3,"avg":null,"tags":null}
      ]
      "
    `)
    expect(JSON.parse(text)).toHaveLength(2)
    expect(formatJson(result([]))).toBe('[]\n')
  })
})

describe('formatCsv', () => {
  it('quotes per RFC 4180, ends lines with CRLF and leaves NULL empty', () => {
    expect(formatCsv(result(rows))).toBe(
      'sensor,n,avg,tags\r\ns-1,12,1.5,"[""a""]"\r\n"a ""quoted"", long\nname",3,,\r\n',
    )
  })
})
