import { describe, expect, it } from 'vitest'
import {
  compilePrefixes,
  PrefixError,
  PrefixRenderError,
  parsePrefix,
} from '../../../src/delivery/partition/prefix.ts'

// "Evaluated prefix (at 10:30 AM UTC on Aug 27, 2018)" — the s3-prefixes.html examples.
const AT = Date.UTC(2018, 7, 27, 10, 30)
const ctx = { arrivalMs: AT, randomString: '5abf82daaa5', errorOutputType: 'processing-failed' }
const plain = { dynamicPartitioning: false } as const
const dynamic = { dynamicPartitioning: true } as const

describe('compilePrefixes: the AWS documentation examples', () => {
  it.each([
    {
      prefix: undefined,
      errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/',
      expected: ['2018/08/27/10/', 'myFirehoseFailures/processing-failed/'],
    },
    {
      prefix: 'myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}',
      errorOutputPrefix:
        'myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}',
      expected: [
        'myFirehose/DeliveredYear=2018/anyMonth/rand=5abf82daaa5',
        'myFirehoseFailures/processing-failed/2018/anyMonth/27',
      ],
    },
    {
      prefix:
        'myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      errorOutputPrefix:
        "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
      expected: [
        'myPrefix/year=2018/month=08/day=27/hour=10/',
        'myErrorPrefix/year=2018/month=08/day=27/hour=10/processing-failed',
      ],
    },
    {
      // The doc example prints "myFirehosePrefix/2018/08/27/"; the rule it illustrates appends the
      // default time expression literally, which is what delivered keys show.
      prefix: 'myFirehosePrefix/',
      errorOutputPrefix: undefined,
      expected: ['myFirehosePrefix/2018/08/27/10/', 'myFirehosePrefix/processing-failed/2018/08/27/10/'],
    },
    {
      prefix: 'logs',
      errorOutputPrefix: undefined,
      expected: ['logs2018/08/27/10/', 'logsprocessing-failed/2018/08/27/10/'],
    },
  ])('Prefix $prefix / ErrorOutputPrefix $errorOutputPrefix', ({ prefix, errorOutputPrefix, expected }) => {
    const compiled = compilePrefixes({ prefix, errorOutputPrefix, ...plain })
    expect([compiled.prefix.render(ctx), compiled.errorPrefix.render(ctx)]).toEqual(expected)
  })

  it('rejects a null ErrorOutputPrefix when Prefix contains expressions', () => {
    expect(() =>
      compilePrefixes({ prefix: '!{timestamp:yyyy/MM/dd}', ...plain }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[PrefixError: ErrorOutputPrefix can't be null when Prefix contains expressions.]`,
    )
  })

  it('requires an ErrorOutputPrefix with dynamic partitioning', () => {
    expect(() =>
      compilePrefixes({ prefix: 'c=!{partitionKeyFromQuery:c}/', ...dynamic }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[PrefixError: ErrorOutputPrefix must be specified when dynamic partitioning is enabled.]`,
    )
  })
})

describe('parsePrefix', () => {
  it('renders partition keys from the query and from the Lambda', () => {
    const prefix = parsePrefix(
      'customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromLambda:device}/!{timestamp:yyyy}/',
      { kind: 'prefix', ...dynamic, keysFromQuery: ['customer_id'] },
    )
    expect(prefix.queryKeys).toEqual(['customer_id'])
    expect(prefix.lambdaKeys).toEqual(['device'])
    expect(prefix.render({ ...ctx, keys: { customer_id: '1234567890', device: 'mobile' } })).toBe(
      'customer_id=1234567890/device=mobile/2018/',
    )
  })

  it('does not append the default time prefix to a dynamic-partitioning prefix', () => {
    const prefix = parsePrefix('c=!{partitionKeyFromQuery:c}/', { kind: 'prefix', ...dynamic })
    expect(prefix.render({ ...ctx, keys: { c: 'x' } })).toBe('c=x/')
  })

  it('renders every random-string instance with the caller-provided deterministic value', () => {
    const prefix = parsePrefix('!{firehose:random-string}/a/!{firehose:random-string}/', {
      kind: 'prefix',
      ...plain,
    })
    expect(prefix.render(ctx)).toBe('5abf82daaa5/a/5abf82daaa5/2018/08/27/10/')
  })

  it('keeps a literal error prefix as it is', () => {
    expect(parsePrefix('errors/', { kind: 'errorPrefix', ...plain }).render(ctx)).toBe('errors/')
  })

  it('throws PrefixRenderError for a missing key or error type', () => {
    const prefix = parsePrefix('c=!{partitionKeyFromQuery:c}/', { kind: 'prefix', ...dynamic })
    expect(() => prefix.render(ctx)).toThrow(new PrefixRenderError('No value for !{partitionKeyFromQuery:c}'))
    const errorPrefix = parsePrefix('!{firehose:error-output-type}/', { kind: 'errorPrefix', ...plain })
    expect(() => errorPrefix.render({ arrivalMs: AT, randomString: 'r' })).toThrow(PrefixRenderError)
  })

  it.each([
    ['prefix', 'a/!{firehose:error-output-type}/', plain],
    ['errorPrefix', 'errors/!{timestamp:yyyy}/', plain],
    ['errorPrefix', '!{firehose:error-output-type}/!{partitionKeyFromQuery:c}/', dynamic],
    ['prefix', 'static/!{timestamp:yyyy}/', dynamic],
    ['prefix', 'c=!{partitionKeyFromQuery:c}/', plain],
    ['prefix', 'a/!{unknown:x}/', plain],
    ['prefix', 'a/!{timestamp}/', plain],
    ['prefix', 'a/!{timestamp:}/', plain],
    ['prefix', 'a/!{timestamp:yyyy/', plain],
    ['prefix', 'a/!{timestamp:yyyy-MM-ddTHH}/', plain],
    ['prefix', 'a/!{firehose:uuid}/', plain],
    ['prefix', 'x'.repeat(1025), plain],
  ] as const)('rejects %s %s', (kind, text, options) => {
    expect(() => parsePrefix(text, { kind, ...options })).toThrow(PrefixError)
  })

  it('explains each rejection', () => {
    const messages = [
      ['prefix', 'a/!{firehose:error-output-type}/', plain],
      ['errorPrefix', 'errors/!{timestamp:yyyy}/', plain],
      ['errorPrefix', '!{firehose:error-output-type}/!{partitionKeyFromLambda:c}/', dynamic],
      ['prefix', 'static/!{timestamp:yyyy}/', dynamic],
      ['prefix', 'c=!{partitionKeyFromQuery:c}/', plain],
      ['prefix', 'a/!{unknown:x}/', plain],
      ['prefix', 'a/!{timestamp:yyyy/', plain],
      ['prefix', 'a/!{timestamp:yyyy-MM-ddTHH}/', plain],
      ['prefix', 'a/!{firehose:uuid}/', plain],
    ].map(([kind, text, options]) => {
      try {
        parsePrefix(text as string, { kind: kind as 'prefix', ...(options as typeof plain) })
        return 'accepted'
      } catch (error) {
        return (error as Error).message
      }
    })
    expect(messages).toMatchInlineSnapshot(`
      [
        "Prefix can't contain "!{firehose:error-output-type}".",
        "ErrorOutputPrefix must include at least one instance of "!{firehose:error-output-type}" when it contains expressions.",
        "The partitionKeyFromQuery and partitionKeyFromLambda namespaces can't be used in ErrorOutputPrefix.",
        "When dynamic partitioning is enabled, Prefix must contain at least one "!{partitionKeyFromQuery:keyID}" or "!{partitionKeyFromLambda:keyID}" expression.",
        "The partitionKeyFromQuery and partitionKeyFromLambda namespaces can only be used when dynamic partitioning is enabled.",
        "Prefix: invalid expression "!{unknown:x}"; the namespace must be one of timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda.",
        "Prefix: the sequence "!{" can only appear in "!{namespace:value}" expressions.",
        "Prefix: "!{timestamp:yyyy-MM-ddTHH}" is not a valid Java DateTimeFormatter pattern: Unknown pattern letter: T",
        "Prefix: "!{firehose:uuid}" is invalid; the firehose namespace accepts error-output-type and random-string.",
      ]
    `)
  })

  it('names unknown query keys', () => {
    expect(() =>
      parsePrefix('!{partitionKeyFromQuery:a}/!{partitionKeyFromQuery:b}/', {
        kind: 'prefix',
        ...dynamic,
        keysFromQuery: ['a'],
      }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[PrefixError: Prefix uses partitionKeyFromQuery key(s) "b" that the metadata extraction queries do not define.]`,
    )
  })
})
