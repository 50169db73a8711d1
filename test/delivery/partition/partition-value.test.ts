import { describe, expect, it } from 'vitest'
import {
  checkPartitionValue,
  MAX_PARTITION_VALUE_BYTES,
  type PartitionValueReason,
} from '../../../src/delivery/partition/partition-value.ts'

describe('checkPartitionValue', () => {
  it.each<[string, unknown, PartitionValueReason]>([
    ['parent segment', '..', 'dot-segment'],
    ['current segment', '.', 'dot-segment'],
    ['parent with slash', '../', 'path-separator'],
    ['traversal', '../../etc/passwd', 'path-separator'],
    ['absolute path', '/etc/passwd', 'path-separator'],
    ['nested value', 'a/b', 'path-separator'],
    ['backslash traversal', '..\\x', 'path-separator'],
    ['windows absolute', 'C:\\Windows', 'path-separator'],
    ['UNC path', '\\\\server\\share', 'path-separator'],
    ['encoded parent', '%2e%2e', 'encoded-path'],
    ['encoded parent + slash', '%2e%2e/', 'path-separator'],
    ['encoded slash', 'a%2Fb', 'encoded-path'],
    ['encoded backslash', 'a%5cb', 'encoded-path'],
    ['mixed encoded parent', '.%2E', 'encoded-path'],
    ['double-encoded parent', '%252e%252e', 'encoded-path'],
    ['encoded NUL', 'a%00b', 'encoded-path'],
    ['fullwidth solidus (NFKC → /)', 'a\uff0fb', 'encoded-path'],
    ['fullwidth dots (NFKC → ..)', '\uff0e\uff0e', 'encoded-path'],
    ['NUL', 'a\u0000b', 'control-character'],
    ['newline', 'line1\nline2', 'control-character'],
    ['carriage return', 'x\r', 'control-character'],
    ['tab', 'a\tb', 'control-character'],
    ['escape sequence', '\u001b[31mred', 'control-character'],
    ['C1 control', 'a\u0085b', 'control-character'],
    ['DEL', 'a\u007f', 'control-character'],
    ['RTL override', 'invoice\u202egpj.exe', 'invisible-character'],
    ['zero-width space', 'a\u200bb', 'invisible-character'],
    ['byte order mark', '\ufeffvalue', 'invisible-character'],
    ['empty', '', 'empty'],
    ['whitespace only', '   ', 'blank'],
    ['5,000 bytes', 'x'.repeat(5000), 'too-long'],
    ['201 bytes', 'x'.repeat(MAX_PARTITION_VALUE_BYTES + 1), 'too-long'],
    ['multi-byte over the limit', '€'.repeat(67), 'too-long'],
    ['lone surrogate', 'a\ud800b', 'invalid-unicode'],
    ['number', 42, 'not-a-string'],
    ['null', null, 'not-a-string'],
  ])('rejects %s', (_name, value, reason) => {
    const result = checkPartitionValue(value)
    expect(result).toMatchObject({ ok: false, reason })
  })

  it.each([
    ['plain', 'eu-west-1'],
    ['hive-looking', 'a=b'],
    ['dots inside', 'v1.2.3'],
    ['three dots', '...'],
    ['leading dot', '.hidden'],
    ['spaces inside', 'New York'],
    ['unicode', 'Zürich-東京'],
    ['emoji', '🚀'],
    ['percent sign', '100%'],
    ['malformed escape', '%zz'],
    ['encoded harmless', 'a%20b'],
    ['expression-looking', '!{timestamp:yyyy}'],
    ['shell-looking', '$(rm -rf ~)'],
    ['colon', '10:30'],
    ['exactly the limit', 'x'.repeat(MAX_PARTITION_VALUE_BYTES)],
  ])('accepts %s', (_name, value) => {
    expect(checkPartitionValue(value)).toEqual({ ok: true, value })
  })

  it('explains rejections', () => {
    const messages = ['..', '../x', 'a\u0000', '%2e%2e', 'x'.repeat(5000), 'a\u202e'].map((v) => {
      const result = checkPartitionValue(v)
      return result.ok ? 'accepted' : result.message
    })
    expect(messages).toMatchInlineSnapshot(`
      [
        "Partition key value must not be ".."",
        "Partition key value must not contain "/" or "\\"",
        "Partition key value must not contain control characters",
        "Partition key value decodes or normalises to a dot-segment value ("..")",
        "Partition key value is 5000 bytes; the limit is 200 UTF-8 bytes",
        "Partition key value must not contain bidirectional or zero-width characters",
      ]
    `)
  })
})
