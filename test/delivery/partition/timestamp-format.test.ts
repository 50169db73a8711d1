import { describe, expect, it } from 'vitest'
import {
  compileTimestampPattern,
  formatTimestamp,
  TimestampPatternError,
} from '../../../src/delivery/partition/timestamp-format.ts'

const fmt = (pattern: string, ms: number) => formatTimestamp(compileTimestampPattern(pattern), ms)
// 2018-08-27T10:30:05.123Z, the instant of Firehose's prefix examples (a Monday).
const AUG_27 = Date.UTC(2018, 7, 27, 10, 30, 5, 123)

describe('formatTimestamp', () => {
  it.each([
    ['yyyy/MM/dd/HH/', '2018/08/27/10/'],
    ["'year='yyyy'/month='MM'/day='dd'/hour='HH", 'year=2018/month=08/day=27/hour=10'],
    ["yyyy'-'MM'-'dd", '2018-08-27'],
    ['yy', '18'],
    ['y', '2018'],
    ['uuuu', '2018'],
    ['M/d', '8/27'],
    ['MMM MMMM MMMMM', 'Aug August A'],
    ['D DDD', '239 239'],
    ['E EEEE', 'Mon Monday'],
    ['h:mm a', '10:30 AM'],
    ['K k', '10 10'],
    ['mm:ss.SSS', '30:05.123'],
    ['S SSSSSS', '1 123000'],
    ['Q QQQ QQQQ', '3 Q3 3rd quarter'],
    ['G', 'AD'],
    ['X x Z', 'Z +00 +0000'],
    ["'it''s' HH''", "it's 10'"],
    ['[yyyy]', '2018'],
    ['yyyy_MM-dd HH.mm', '2018_08-27 10.30'],
  ])('%s → %s', (pattern, expected) => {
    expect(fmt(pattern, AUG_27)).toBe(expected)
  })

  it('uses UTC regardless of the host time zone', () => {
    expect(fmt('yyyy-MM-dd HH', Date.UTC(2020, 0, 1, 0, 0, 0))).toBe('2020-01-01 00')
    expect(fmt('yyyy-MM-dd HH', Date.UTC(2019, 11, 31, 23, 59, 59, 999))).toBe('2019-12-31 23')
  })

  it('formats midnight and noon on the 12-hour clocks like Java', () => {
    expect(fmt('h K k a', Date.UTC(2018, 0, 1, 0))).toBe('12 0 24 AM')
    expect(fmt('h K k a', Date.UTC(2018, 0, 1, 12))).toBe('12 0 12 PM')
  })

  // Java's YYYY is the week-based year (en_US weeks): it differs from yyyy around New Year.
  it.each([
    [Date.UTC(2018, 11, 29), '2018 2018 52'],
    [Date.UTC(2018, 11, 30), '2019 2018 1'],
    [Date.UTC(2018, 11, 31), '2019 2018 1'],
    [Date.UTC(2019, 0, 5), '2019 2019 1'],
    [Date.UTC(2019, 0, 6), '2019 2019 2'],
    [Date.UTC(2021, 0, 1), '2021 2021 1'],
  ])('YYYY/yyyy/w at %d → %s', (ms, expected) => {
    expect(fmt('YYYY yyyy w', ms)).toBe(expected)
  })

  it.each([
    ['yyyy-MM-ddTHH', 'Unknown pattern letter: T'],
    ['ddd', 'Too many pattern letters: d'],
    ['HHH', 'Too many pattern letters: H'],
    ["yyyy'", "Pattern ends with an incomplete string literal: '"],
    ['yyyy]', 'Pattern invalid as it contains ] without previous ['],
    ['yyyy#', "Pattern includes reserved character: '#'"],
    ['VV', "Pattern letter 'V' is not supported by Tributary"],
  ])('rejects %s', (pattern, message) => {
    expect(() => compileTimestampPattern(pattern)).toThrow(new TimestampPatternError(message))
  })
})
