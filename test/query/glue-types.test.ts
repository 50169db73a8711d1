import { describe, expect, it } from 'vitest'
import { duckdbType, UnsupportedTypeError } from '../../src/query/glue-types.ts'

describe('duckdbType', () => {
  it.each([
    ['string', 'VARCHAR'],
    ['varchar(20)', 'VARCHAR'],
    ['int', 'INTEGER'],
    ['bigint', 'BIGINT'],
    ['double', 'DOUBLE'],
    ['float', 'FLOAT'],
    ['boolean', 'BOOLEAN'],
    ['timestamp', 'TIMESTAMP'],
    ['date', 'DATE'],
    ['decimal(12,2)', 'DECIMAL(12,2)'],
    ['decimal', 'DECIMAL(10,0)'],
    ['binary', 'BLOB'],
    ['BIGINT', 'BIGINT'],
    ['array<string>', 'VARCHAR[]'],
    ['map<string,int>', 'MAP(VARCHAR, INTEGER)'],
    ['array<struct<id:bigint, tag:string>>', 'STRUCT("id" BIGINT, "tag" VARCHAR)[]'],
  ])('%s → %s', (glue, duck) => {
    expect(duckdbType(glue)).toBe(duck)
  })

  it.each(['uuid', 'array<string', 'decimal(12,2) x', ''])('refuses %j', (glue) => {
    expect(() => duckdbType(glue)).toThrow(UnsupportedTypeError)
  })
})
