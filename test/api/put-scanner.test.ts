import { describe, expect, it } from 'vitest'
import { isCanonicalBase64, isWellFormedPutRecords } from '../../src/api/kinesis/fast-path.ts'
import { putRecord, putRecords } from '../../src/api/kinesis/operations/put-records.ts'
import { scanPutRecord, scanPutRecords } from '../../src/api/kinesis/put-scanner.ts'
import { checkTypes, checkValidations } from '../../src/api/validation.ts'

/** What the generic path makes of a body: the validated input, or the error it raises. */
function generic(body: string, spec = putRecords.spec): { ok: true; value: unknown } | { ok: false } {
  try {
    const data = JSON.parse(body)
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false }
    const input = checkTypes(data, spec)
    checkValidations(input, spec)
    return { ok: true, value: input }
  } catch {
    return { ok: false }
  }
}

function normalize(scanned: ReturnType<typeof scanPutRecords>) {
  return {
    ...scanned,
    Records: scanned!.Records.map((r) => ({
      PartitionKey: r.PartitionKey,
      Data: r.Data.toString('latin1'),
      ...(r.ExplicitHashKey !== undefined && { ExplicitHashKey: r.ExplicitHashKey }),
    })),
  }
}

const ok = (records: unknown[], extra: Record<string, unknown> = { StreamName: 's' }) =>
  JSON.stringify({ Records: records, ...extra })

describe('PutRecords fast scanner', () => {
  it.each([
    ['plain', ok([{ Data: 'aGk=', PartitionKey: 'a' }])],
    [
      'whitespace everywhere',
      ' {\n "Records" : [ { "PartitionKey" : "k" , "Data" : "aGVsbG8=" } ] ,\t"StreamName":"s" } ',
    ],
    [
      'explicit hash key',
      ok([{ Data: '', PartitionKey: 'a', ExplicitHashKey: '340282366920938463463374607431768211455' }]),
    ],
    ['null hash key', ok([{ Data: 'AAAA', PartitionKey: 'a', ExplicitHashKey: null }])],
    [
      'stream ARN',
      ok([{ Data: 'AAAA', PartitionKey: 'a' }], {
        StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      }),
    ],
    ['unicode key', ok([{ Data: 'AAAA', PartitionKey: 'ключ-🔑' }])],
    ['256-char key', ok([{ Data: 'AAAA', PartitionKey: 'k'.repeat(256) }])],
  ])('accepts %s exactly as the generic path reads it', (_name, body) => {
    const scanned = scanPutRecords(Buffer.from(body))
    expect(scanned).toBeDefined()
    const slow = generic(body)
    expect(slow.ok).toBe(true)
    expect(normalize(scanned)).toEqual((slow as { value: unknown }).value)
  })

  it.each([
    ['escaped slash in data', '{"Records":[{"Data":"a\\/b=","PartitionKey":"a"}],"StreamName":"s"}'],
    ['escaped key', '{"Records":[{"Data":"AAAA","PartitionKey":"a\\u0041"}],"StreamName":"s"}'],
    ['unknown member', ok([{ Data: 'AAAA', PartitionKey: 'a', Extra: 1 }])],
    ['duplicate member', '{"Records":[{"Data":"AAAA","Data":"BBBB","PartitionKey":"a"}],"StreamName":"s"}'],
    ['number data', ok([{ Data: 5, PartitionKey: 'a' }])],
    ['bad base64 length', ok([{ Data: 'abc', PartitionKey: 'a' }])],
    ['bad base64 char', ok([{ Data: 'ab!=', PartitionKey: 'a' }])],
    ['url-safe base64', ok([{ Data: 'ab-_', PartitionKey: 'a' }])],
    ['padding in the middle', ok([{ Data: 'YQ==YQ==', PartitionKey: 'a' }])],
    ['non-canonical tail', ok([{ Data: 'YR==', PartitionKey: 'a' }])],
    ['empty key', ok([{ Data: 'AAAA', PartitionKey: '' }])],
    ['257-char key', ok([{ Data: 'AAAA', PartitionKey: 'k'.repeat(257) }])],
    ['no stream', ok([{ Data: 'AAAA', PartitionKey: 'a' }], {})],
    ['bad stream name', ok([{ Data: 'AAAA', PartitionKey: 'a' }], { StreamName: 'a/b' })],
    ['no records', ok([])],
    ['501 records', ok(Array.from({ length: 501 }, () => ({ Data: 'AAAA', PartitionKey: 'a' })))],
    ['hash key out of pattern', ok([{ Data: 'AAAA', PartitionKey: 'a', ExplicitHashKey: '01' }])],
    ['trailing garbage', `${ok([{ Data: 'AAAA', PartitionKey: 'a' }])}x`],
    ['control character in key', ok([{ Data: 'AAAA', PartitionKey: 'a\u0001' }])],
    [
      'invalid UTF-8',
      Buffer.concat([
        Buffer.from('{"Records":[{"Data":"AAAA","PartitionKey":"'),
        Buffer.from([0xff]),
        Buffer.from('"}],"StreamName":"s"}'),
      ]),
    ],
  ])('declines %s (the generic path decides)', (_name, body) => {
    expect(scanPutRecords(Buffer.isBuffer(body) ? body : Buffer.from(body))).toBeUndefined()
  })

  it('never accepts what the generic path rejects (randomized)', () => {
    let seed = 42
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    const alphabet = 'AB+/=-_a0 "\\\u0000é'
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const data = Array.from({ length: Math.floor(rand() * 9) }, () => pick([...alphabet])).join('')
      const record: Record<string, unknown> = {
        Data: rand() < 0.6 ? Buffer.from(data).toString('base64') : data,
      }
      if (rand() < 0.9) record.PartitionKey = pick(['a', '', 'k'.repeat(257), 'é', 'x'])
      if (rand() < 0.2)
        record.ExplicitHashKey = pick(['1', '01', null, 'x', '340282366920938463463374607431768211456'])
      const body = ok([record], rand() < 0.9 ? { StreamName: pick(['s', 'a/b', '']) } : {})
      const scanned = scanPutRecords(Buffer.from(body))
      if (scanned) {
        accepted++
        const slow = generic(body)
        expect(slow.ok, body).toBe(true)
        expect(normalize(scanned)).toEqual((slow as { value: unknown }).value)
      }
    }
    expect(accepted).toBeGreaterThan(100)
  })

  it('scans PutRecord bodies with the same rules', () => {
    const body = JSON.stringify({
      StreamName: 's',
      PartitionKey: 'a',
      Data: 'aGk=',
      SequenceNumberForOrdering: '1',
    })
    const scanned = scanPutRecord(Buffer.from(body))
    expect(scanned?.Data.toString()).toBe('aGk=')
    expect(scanned?.SequenceNumberForOrdering).toBe('1')
    expect(generic(body, putRecord.spec).ok).toBe(true)
    expect(
      scanPutRecord(Buffer.from(JSON.stringify({ StreamName: 's', PartitionKey: 'a', Data: 'ab!=' }))),
    ).toBeUndefined()
  })
})

describe('fastCheck (after JSON.parse)', () => {
  it.each([
    ['aGk=', true],
    ['', true],
    ['abc', false],
    ['ab!=', false],
    ['ab-_', false],
    ['YR==', false],
    ['a===', false],
  ])('isCanonicalBase64(%j) is %s', (text, expected) => {
    expect(isCanonicalBase64(text)).toBe(expected)
  })

  it('leaves explicit nulls to the generic path, which strips them', () => {
    expect(
      isWellFormedPutRecords({
        StreamName: 's',
        Records: [{ Data: 'AAAA', PartitionKey: 'a', ExplicitHashKey: null }],
      }),
    ).toBe(false)
    expect(isWellFormedPutRecords({ StreamName: null, Records: [{ Data: 'AAAA', PartitionKey: 'a' }] })).toBe(
      false,
    )
  })
})
