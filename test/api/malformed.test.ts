/**
 * Bad input over real loopback HTTP, each answer checked byte for byte against what AWS sends
 * (status, content type, body). Expectations come from responses recorded against the real service
 * in kinesalite's tests (test/connection.js, putRecords.js, getShardIterator.js, getRecords.js,
 * createStream.js, helpers.js#assertType) and moto's record-size tests; see
 * ../shared/research/reliability-anchors.md, T6. All requests hit one server, which must still
 * hold every record it acknowledged before the barrage, intact, at the end.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_BODY_BYTES } from '../../src/api/server.ts'
import { encodeCbor } from '../helpers/cbor.ts'
import {
  AMZ_CBOR,
  AMZ_JSON,
  awsRequest,
  FAKE_AUTH,
  type RawRequest,
  type RawResponse,
  rawRequest,
  UUID,
} from '../helpers/raw-http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const STREAM = 'malformed'
const ACCOUNT = '000000000000'
const MiB = 1024 * 1024
const ARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${STREAM}`

let t: TestServer
let dataDir: string

/** What the SDK wrote before the barrage: [partition key, data] in put order, with sequence numbers. */
const before: { key: string; data: Buffer; sequenceNumber: string }[] = []
/** Records the barrage itself got acknowledged (the accepted edge cases), by key and data digest. */
const acceptedDuringBarrage: { key: string; sha: string }[] = []

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tributary-malformed-'))
  // Several MiB into one shard at one instant of the manual clock: this file is about bad input.
  t = await startServer({ dataDir, cleanup: 'manual', shardLimits: false })
  t.engine.createStream(STREAM, { shardCount: 2 })
  await t.settle()
  const records = Array.from({ length: 40 }, (_, i) => ({
    PartitionKey: `before-${i % 7}`,
    Data: Buffer.from(`record ${i} ${'x'.repeat(i * 13)}`),
  }))
  const put = await t.client.send(new PutRecordsCommand({ StreamName: STREAM, Records: records }))
  expect(put.FailedRecordCount).toBe(0)
  put.Records!.forEach((r, i) => {
    before.push({ key: records[i]!.PartitionKey, data: records[i]!.Data, sequenceNumber: r.SequenceNumber! })
  })
  const binary = Buffer.from([0, 1, 2, 253, 254, 255])
  const one = await t.client.send(
    new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'bin', Data: binary }),
  )
  before.push({ key: 'bin', data: binary, sequenceNumber: one.SequenceNumber! })
})

afterAll(async () => {
  await t?.close()
  await rm(dataDir, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------
// Expected bodies

const XML_MISSING_TOKEN =
  '<MissingAuthenticationTokenException>\n' +
  '  <Message>Missing Authentication Token</Message>\n' +
  '</MissingAuthenticationTokenException>\n'
const XML_ACCESS_DENIED =
  '<AccessDeniedException>\n' +
  '  <Message>Unable to determine service/operation name to be authorized</Message>\n' +
  '</AccessDeniedException>\n'
const XML_UNKNOWN_OPERATION = '<UnknownOperationException/>\n'

/** AWS's CBOR error bodies are indefinite-length maps (kinesalite recorded these exact bytes). */
const CBOR_UNKNOWN = Buffer.concat([
  Buffer.from('bf66', 'hex'),
  Buffer.from('__type'),
  Buffer.from('7819', 'hex'),
  Buffer.from('UnknownOperationException'),
  Buffer.from('ff', 'hex'),
])
const CBOR_SERIALIZATION = Buffer.concat([
  Buffer.from('bf66', 'hex'),
  Buffer.from('__type'),
  Buffer.from('76', 'hex'),
  Buffer.from('SerializationException'),
  Buffer.from('ff', 'hex'),
])

const INCOMPLETE_HEADER_X =
  "Authorization header requires 'Credential' parameter. " +
  "Authorization header requires 'Signature' parameter. " +
  "Authorization header requires 'SignedHeaders' parameter. " +
  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
  'Authorization=X'
const INCOMPLETE_QUERY_ALL =
  "AWS query-string parameters must include 'X-Amz-Algorithm'. " +
  "AWS query-string parameters must include 'X-Amz-Credential'. " +
  "AWS query-string parameters must include 'X-Amz-Signature'. " +
  "AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
  "AWS query-string parameters must include 'X-Amz-Date'. " +
  'Re-examine the query-string parameters.'

const serialization = (Message?: string) =>
  Message === undefined ? { __type: 'SerializationException' } : { __type: 'SerializationException', Message }
const validation = (...errors: string[]) => ({
  __type: 'ValidationException',
  message: `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`,
})
const violation = (value: string | null, path: string, constraint: string) =>
  `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`
const notNull = (path: string) => violation(null, path, 'Member must not be null')
const error = (__type: string, message: string) => ({ __type, message })

const NAME_REGEX = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'
const HASH_KEY_REGEX = 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'
const SEQUENCE_REGEX = 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})'
const MIN_LENGTH_1 = 'Member must have length greater than or equal to 1'
const ITERATOR_TYPES =
  'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]'
const ENTRY = 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310'

// ---------------------------------------------------------------------------------------------
// Checks

interface Expected {
  status: number
  /** undefined: the response must carry no Content-Type at all (AWS's XML errors). */
  contentType: string | undefined
  /** Parsed JSON/CBOR body, XML text, or exact bytes. */
  body: unknown
}

function expectResponse(res: RawResponse, expected: Expected): void {
  expect({ status: res.status, contentType: res.headers['content-type'] }).toEqual({
    status: expected.status,
    contentType: expected.contentType,
  })
  if (Buffer.isBuffer(expected.body)) expect(res.body.toString('hex')).toBe(expected.body.toString('hex'))
  else expect(res.data).toEqual(expected.body)
  expect(res.headers['content-length']).toBe(String(res.body.length))
  expect(res.headers['x-amzn-requestid']).toMatch(UUID)
  expect(Buffer.from(res.headers['x-amz-id-2'] as string, 'base64').length).toBeGreaterThanOrEqual(64)
  expect(res.headers['access-control-allow-origin']).toBeUndefined()
}

const json = (status: number, body: unknown): Expected => ({ status, contentType: AMZ_JSON, body })
const cbor = (status: number, body: unknown): Expected => ({ status, contentType: AMZ_CBOR, body })
const xml = (status: number, body: string): Expected => ({ status, contentType: undefined, body })

const send = (req: RawRequest) => rawRequest(t.url, req)
const jsonCall = (op: string, body: unknown, headers?: Record<string, string>) =>
  awsRequest(op, typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), { headers })

// ---------------------------------------------------------------------------------------------

describe('protocol: method, content type, target, body presence and authentication shape', () => {
  const JSON_LIST = { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.ListStreams' }
  const cases: [string, RawRequest, Expected][] = [
    ['GET / unsigned', { method: 'GET' }, xml(403, XML_MISSING_TOKEN)],
    ['PUT / unsigned', { method: 'PUT' }, xml(403, XML_MISSING_TOKEN)],
    ['DELETE / unsigned', { method: 'DELETE' }, xml(403, XML_MISSING_TOKEN)],
    ['OPTIONS / unsigned', { method: 'OPTIONS' }, xml(403, XML_MISSING_TOKEN)],
    ['GET / signed', { method: 'GET', headers: FAKE_AUTH }, xml(403, XML_ACCESS_DENIED)],
    ['PUT / signed', { method: 'PUT', headers: FAKE_AUTH, body: '{}' }, xml(403, XML_ACCESS_DENIED)],
    ['DELETE / signed', { method: 'DELETE', headers: FAKE_AUTH }, xml(403, XML_ACCESS_DENIED)],
    [
      'GET /?Action=ListStreams signed',
      { method: 'GET', path: '/?Action=ListStreams', headers: FAKE_AUTH },
      xml(403, XML_ACCESS_DENIED),
    ],
    ['POST, nothing else', {}, cbor(400, CBOR_UNKNOWN)],
    ['POST signed, no body', { headers: FAKE_AUTH }, cbor(400, CBOR_UNKNOWN)],
    [
      'POST {} without content type or target',
      { headers: FAKE_AUTH, body: '{}' },
      xml(403, XML_ACCESS_DENIED),
    ],
    [
      'POST {} with a target but no content type',
      { headers: { ...FAKE_AUTH, 'x-amz-target': 'Kinesis_20131202.ListStreams' }, body: '{}' },
      xml(404, XML_UNKNOWN_OPERATION),
    ],
    [
      'POST {} as text/plain',
      { headers: { ...FAKE_AUTH, ...JSON_LIST, 'content-type': 'text/plain' }, body: '{}' },
      xml(404, XML_UNKNOWN_OPERATION),
    ],
    [
      'x-amz-json-1.0 content type, no body',
      { headers: { ...FAKE_AUTH, 'content-type': 'application/x-amz-json-1.0' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'unknown content type, no body',
      { headers: { ...FAKE_AUTH, 'content-type': 'application/x-amz-json-1.1asdf' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'target "Whatever", no body',
      { headers: { ...FAKE_AUTH, 'x-amz-target': 'Whatever' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'target with an empty operation, no body',
      { headers: { ...FAKE_AUTH, 'x-amz-target': 'Kinesis_20131202.' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'misspelt operation, no body',
      { headers: { ...FAKE_AUTH, 'x-amz-target': 'Kinesis_20131202.ListStream' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'valid target without content type or body',
      { headers: { ...FAKE_AUTH, 'x-amz-target': 'Kinesis_20131202.ListStreams' } },
      cbor(400, CBOR_SERIALIZATION),
    ],
    [
      'JSON without a target or body',
      { headers: { ...FAKE_AUTH, 'content-type': AMZ_JSON } },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'JSON without a target or body, unsigned',
      { headers: { 'content-type': AMZ_JSON } },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'application/json, no target or body',
      { headers: { ...FAKE_AUTH, 'content-type': 'application/json' } },
      cbor(400, CBOR_UNKNOWN),
    ],
    [
      'application/json, valid target, no body',
      {
        headers: {
          ...FAKE_AUTH,
          'content-type': 'application/json',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
        },
      },
      cbor(400, CBOR_SERIALIZATION),
    ],
    ['valid target, empty body', { headers: { ...FAKE_AUTH, ...JSON_LIST } }, json(400, serialization())],
    ['valid target, empty body, unsigned', { headers: JSON_LIST }, json(400, serialization())],
    [
      'valid target, body "hello", unsigned',
      { headers: JSON_LIST, body: 'hello' },
      json(400, serialization()),
    ],
    [
      'application/json with a JSON body',
      {
        headers: { 'content-type': 'application/json', 'x-amz-target': 'Kinesis_20131202.ListStreams' },
        body: '{}',
      },
      {
        status: 404,
        contentType: 'application/json',
        body: { Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' },
      },
    ],
    [
      'application/json with a non-JSON body',
      {
        headers: { 'content-type': 'application/json', 'x-amz-target': 'Kinesis_20131202.ListStreams' },
        body: 'hello',
      },
      {
        status: 400,
        contentType: 'application/json',
        body: { Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' },
      },
    ],
    [
      'application/json padded with spaces and a semicolon',
      {
        headers: {
          'content-type': '     application/json     ;',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
        },
        body: 'hello',
      },
      {
        status: 400,
        contentType: 'application/json',
        body: { Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' },
      },
    ],
    [
      'unknown operation with a JSON body',
      {
        headers: { ...FAKE_AUTH, 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.NoSuchOp' },
        body: '{}',
      },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'unknown operation, unsigned (the operation is checked before authentication)',
      { headers: { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.NoSuchOp' }, body: '{}' },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'another service’s target',
      {
        headers: { ...FAKE_AUTH, 'content-type': AMZ_JSON, 'x-amz-target': 'DynamoDB_20120810.ListTables' },
        body: '{}',
      },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'operation name in the wrong case',
      {
        headers: { ...FAKE_AUTH, 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.liststreams' },
        body: '{}',
      },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'JSON body without a target',
      { headers: { ...FAKE_AUTH, 'content-type': AMZ_JSON }, body: '{}' },
      json(400, { __type: 'UnknownOperationException' }),
    ],
    [
      'no authentication',
      { headers: JSON_LIST, body: '{}' },
      json(400, error('MissingAuthenticationTokenException', 'Missing Authentication Token')),
    ],
    [
      'no authentication, content type padded with parameters',
      {
        headers: {
          'content-type': '   application/x-amz-json-1.1   ;whatever',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
        },
        body: '{}',
      },
      json(400, error('MissingAuthenticationTokenException', 'Missing Authentication Token')),
    ],
    [
      'Authorization: X',
      { headers: { ...JSON_LIST, authorization: 'X' }, body: '{}' },
      json(400, error('IncompleteSignatureException', INCOMPLETE_HEADER_X)),
    ],
    [
      'Authorization: X with a misspelt X-Amz-Algorithm query',
      { path: '/?X-Amz-Algorith', headers: { ...JSON_LIST, authorization: 'X' }, body: '{}' },
      json(400, error('IncompleteSignatureException', INCOMPLETE_HEADER_X)),
    ],
    [
      'every query parameter but X-Amz-Algorithm',
      {
        path: '/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d',
        headers: JSON_LIST,
        body: '{}',
      },
      json(400, error('MissingAuthenticationTokenException', 'Missing Authentication Token')),
    ],
    [
      'both an Authorization header and X-Amz-Algorithm',
      { path: '/?X-Amz-Algorithm', headers: { ...JSON_LIST, authorization: 'X' }, body: '{}' },
      json(
        400,
        error(
          'InvalidSignatureException',
          "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        ),
      ),
    ],
    ...[
      'AWS4- Signature=b Credential=a',
      'AWS4- Signature=b,Credential=a',
      'AWS4- Signature=b, Credential=a',
    ].map((authorization): [string, RawRequest, Expected] => [
      `Authorization: ${authorization}`,
      { headers: { ...JSON_LIST, authorization, date: 'a' }, body: '{}' },
      json(
        400,
        error(
          'IncompleteSignatureException',
          `Authorization header requires 'SignedHeaders' parameter. Authorization=${authorization}`,
        ),
      ),
    ]),
    [
      'empty X-Amz-Algorithm query',
      { path: '/?X-Amz-Algorithm', headers: JSON_LIST, body: '{}' },
      json(400, error('IncompleteSignatureException', INCOMPLETE_QUERY_ALL)),
    ],
    [
      'query auth without X-Amz-SignedHeaders',
      {
        path: '/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d',
        headers: JSON_LIST,
        body: '{}',
      },
      json(
        400,
        error(
          'IncompleteSignatureException',
          "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
        ),
      ),
    ],
  ]

  it.each(cases)('%s', async (_name, req, expected) => {
    expectResponse(await send(req), expected)
  })
})

describe('bodies that are not a JSON object', () => {
  const DEPTH = 100_000
  const cases: [string, string | Buffer][] = [
    ['plain text', 'hello'],
    ['truncated JSON', '{"StreamName":'],
    ['trailing garbage', '{"StreamName":"malformed"} x'],
    ['null', 'null'],
    ['a string', '"malformed"'],
    ['a number', '123'],
    ['true', 'true'],
    ['an array', '[]'],
    ['single quotes', "{'StreamName':'malformed'}"],
    ['a trailing comma', '{"StreamName":"malformed",}'],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from('{"StreamName":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    ],
    [
      'a UTF-8 overlong encoding of "/"',
      Buffer.concat([Buffer.from('{"StreamName":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    ],
    ['a 100,000-deep unclosed [[[[', '['.repeat(DEPTH)],
    ['a 100,000-deep, closed [[[[…]]]]', '['.repeat(DEPTH) + ']'.repeat(DEPTH)],
  ]

  it.each(cases)('%s → SerializationException', async (_name, body) => {
    expectResponse(await send(jsonCall('DescribeStreamSummary', body)), json(400, serialization()))
  })

  it('stays healthy after JSON bombs: nesting inside a member is rejected by type, not by recursion', async () => {
    const deep = '['.repeat(DEPTH) + ']'.repeat(DEPTH)
    const records = await send(jsonCall('PutRecords', `{"StreamName":"${STREAM}","Records":${deep}}`))
    expectResponse(records, json(400, serialization('Start of list found where not expected')))
    const key = await send(
      jsonCall(
        'PutRecord',
        `{"StreamName":"${STREAM}","Data":"","PartitionKey":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}`,
      ),
    )
    expectResponse(key, json(400, serialization('Start of structure or map found where not expected.')))
    // Unknown members are ignored, however deep.
    const ignored = await send(jsonCall('ListStreams', `{"Ignored":${deep}}`))
    expect(ignored.status).toBe(200)
    expect((ignored.data as { StreamNames: string[] }).StreamNames).toEqual([STREAM])
    const health = await send({ method: 'GET', path: '/health' })
    expect(health.status).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------
// SerializationException for every member type, in AWS's (Java deserializer's) words.

const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to'
const wrongTypes: Record<string, [unknown, string][]> = {
  String: [
    [true, 'class java.lang.Boolean can not be converted to an String'],
    [23, `${NUMBER} an String`],
    [-2147483648, `${NUMBER} an String`],
    [2147483648, `${NUMBER} an String`],
    [34.56, `${NUMBER} an String`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Integer: [
    ['23', 'class java.lang.String can not be converted to an Integer'],
    [true, 'class java.lang.Boolean can not be converted to an Integer'],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Boolean: [
    ['23', "'23' can not be converted to an Boolean"],
    ['maybe', "'MAYBE' can not be converted to an Boolean"],
    [23, `${NUMBER} an Boolean`],
    [-2147483648, `${NUMBER} an Boolean`],
    [2147483648, `${NUMBER} an Boolean`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Blob: [
    [true, 'class java.lang.Boolean can not be converted to a Blob'],
    [23, `${NUMBER} a Blob`],
    [-2147483648, `${NUMBER} a Blob`],
    [2147483648, `${NUMBER} a Blob`],
    [34.56, `${NUMBER} a Blob`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
    [
      'abc',
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    ],
    [
      '23456',
      "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5",
    ],
    ['ab!=', "'ab!=' can not be converted to a Blob: Invalid Base64 character: '!'"],
    ['=+/=', "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['aGk-', "'aGk-' can not be converted to a Blob: Invalid Base64 character: '-'"],
    ['+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['aGl=', "'aGl=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
  ],
  List: [
    ['23', 'Expected list or null'],
    [true, 'Expected list or null'],
    [23, 'Expected list or null'],
    [-2147483648, 'Expected list or null'],
    [2147483648, 'Expected list or null'],
    [34.56, 'Expected list or null'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Map: [
    ['23', 'Expected map or null'],
    [true, 'Expected map or null'],
    [23, 'Expected map or null'],
    [34.56, 'Expected map or null'],
    [[], 'Start of list found where not expected'],
  ],
  Structure: [
    ['23', 'Expected null'],
    [true, 'Expected null'],
    [23, 'Expected null'],
    [2147483648, 'Expected null'],
    [34.56, 'Expected null'],
    [[], 'Start of list found where not expected'],
  ],
  Timestamp: [
    [true, 'class java.lang.Boolean can not be converted to milliseconds since epoch'],
    ['23', 'class java.lang.String can not be converted to milliseconds since epoch'],
    ['2015-01-01T00:00:00Z', 'class java.lang.String can not be converted to milliseconds since epoch'],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
}

/** Where each type is exercised: operation and member path (`.0.` is the first list element). */
const members: [op: string, path: string, type: string][] = [
  ['PutRecords', 'StreamName', 'String'],
  ['PutRecords', 'Records', 'List'],
  ['PutRecords', 'Records.0', 'Structure'],
  ['PutRecords', 'Records.0.PartitionKey', 'String'],
  ['PutRecords', 'Records.0.ExplicitHashKey', 'String'],
  ['PutRecords', 'Records.0.Data', 'Blob'],
  ['PutRecord', 'Data', 'Blob'],
  ['PutRecord', 'SequenceNumberForOrdering', 'String'],
  ['GetRecords', 'Limit', 'Integer'],
  ['GetRecords', 'ShardIterator', 'String'],
  ['GetShardIterator', 'Timestamp', 'Timestamp'],
  ['GetShardIterator', 'ShardIteratorType', 'String'],
  ['CreateStream', 'ShardCount', 'Integer'],
  ['CreateStream', 'Tags', 'Map'],
  ['CreateStream', 'Tags.k', 'String'],
  ['CreateStream', 'StreamModeDetails', 'Structure'],
  ['DeleteStream', 'EnforceConsumerDeletion', 'Boolean'],
  ['ListShards', 'StreamCreationTimestamp', 'Timestamp'],
]

/** Builds `{a: {b: [{c: value}]}}` from `a.b.0.c` (as kinesalite's assertType does). */
function bodyWith(path: string, value: unknown): Record<string, unknown> {
  const pieces = path.split('.')
  const root: Record<string, unknown> = {}
  let node: Record<string, unknown> | unknown[] = root
  for (let i = 0; i < pieces.length - 1; i++) {
    const child: Record<string, unknown> | unknown[] = pieces[i + 1] === '0' ? [] : {}
    if (Array.isArray(node)) node.push(child)
    else node[pieces[i]!] = child
    node = child
  }
  if (Array.isArray(node)) node.push(value)
  else node[pieces[pieces.length - 1]!] = value
  return root
}

describe('SerializationException: a wrong JSON type for every member type', () => {
  const cases = members.flatMap(([op, path, type]) =>
    wrongTypes[type]!.map(
      ([value, message]) =>
        [`${op} ${path} (${type}) = ${JSON.stringify(value)}`, op, path, value, message] as const,
    ),
  )

  it.each(cases)('%s', async (_name, op, path, value, message) => {
    expectResponse(await send(jsonCall(op, bodyWith(path, value))), json(400, serialization(message)))
  })

  it('reports the first wrong member in the model’s order, not the body’s', async () => {
    // PutRecord's model order: SequenceNumberForOrdering, PartitionKey, ExplicitHashKey, Data, StreamName.
    const res = await send(jsonCall('PutRecord', { StreamName: 5, Data: true, PartitionKey: 7 }))
    expectResponse(res, json(400, serialization(`${NUMBER} an String`)))
    const data = await send(jsonCall('PutRecord', { StreamName: 5, Data: true }))
    expectResponse(data, json(400, serialization('class java.lang.Boolean can not be converted to a Blob')))
  })

  it('treats null as absent, for every type', async () => {
    const res = await send(
      jsonCall('PutRecords', { StreamName: null, Records: null, StreamARN: null, Unknown: { deep: [1, 2] } }),
    )
    expectResponse(res, json(400, validation(notNull('records'), notNull('streamName'))))
  })
})

// ---------------------------------------------------------------------------------------------
// ValidationException: constraint violations, AWS's order and the 10-error cap.

describe('ValidationException', () => {
  const long129 = 'a'.repeat(129)
  const long257 = 'k'.repeat(257)
  const iterator513 = 'i'.repeat(513)
  const emptyKeys = (n: number) => Array.from({ length: n }, () => ({ PartitionKey: '', Data: '' }))
  const pkTooShort = (i: number) => violation('', `records.${i}.member.partitionKey`, MIN_LENGTH_1)

  const cases: [string, string, unknown, ReturnType<typeof validation>][] = [
    ['PutRecords {}', 'PutRecords', {}, validation(notNull('records'), notNull('streamName'))],
    [
      'PutRecords with an empty name and no records',
      'PutRecords',
      { StreamName: '', Records: [] },
      validation(
        violation('[]', 'records', MIN_LENGTH_1),
        violation('', 'streamName', NAME_REGEX),
        violation('', 'streamName', MIN_LENGTH_1),
      ),
    ],
    [
      'PutRecords with empty members',
      'PutRecords',
      { StreamName: '', Records: [{ PartitionKey: '', Data: '', ExplicitHashKey: '' }] },
      validation(
        pkTooShort(1),
        violation('', 'records.1.member.explicitHashKey', HASH_KEY_REGEX),
        violation('', 'streamName', NAME_REGEX),
        violation('', 'streamName', MIN_LENGTH_1),
      ),
    ],
    [
      'PutRecords with a 257-character key and a 129-character name',
      'PutRecords',
      { StreamName: long129, Records: [{ PartitionKey: long257, Data: '', ExplicitHashKey: '' }] },
      validation(
        violation(
          long257,
          'records.1.member.partitionKey',
          'Member must have length less than or equal to 256',
        ),
        violation('', 'records.1.member.explicitHashKey', HASH_KEY_REGEX),
        violation(long129, 'streamName', 'Member must have length less than or equal to 128'),
      ),
    ],
    [
      'PutRecords with 501 records (errors capped at 10)',
      'PutRecords',
      { StreamName: '', Records: emptyKeys(501) },
      validation(
        violation(
          `[${Array(501).fill(ENTRY).join(', ')}]`,
          'records',
          'Member must have length less than or equal to 500',
        ),
        ...Array.from({ length: 9 }, (_, i) => pkTooShort(i + 1)),
      ),
    ],
    [
      'PutRecords with 501 well-formed records',
      'PutRecords',
      {
        StreamName: STREAM,
        Records: Array.from({ length: 501 }, () => ({ PartitionKey: 'k', Data: 'AA==' })),
      },
      validation(
        violation(
          `[${Array(501).fill(ENTRY).join(', ')}]`,
          'records',
          'Member must have length less than or equal to 500',
        ),
      ),
    ],
    [
      'PutRecords with 12 bad records (only 10 reported)',
      'PutRecords',
      { StreamName: STREAM, Records: emptyKeys(12) },
      validation(...Array.from({ length: 10 }, (_, i) => pkTooShort(i + 1))),
    ],
    [
      'PutRecords with a non-numeric ExplicitHashKey',
      'PutRecords',
      { StreamName: STREAM, Records: [{ PartitionKey: 'a', Data: '', ExplicitHashKey: 'abc' }] },
      validation(violation('abc', 'records.1.member.explicitHashKey', HASH_KEY_REGEX)),
    ],
    [
      'PutRecords with a leading-zero ExplicitHashKey',
      'PutRecords',
      { StreamName: STREAM, Records: [{ PartitionKey: 'a', Data: '', ExplicitHashKey: '01' }] },
      validation(violation('01', 'records.1.member.explicitHashKey', HASH_KEY_REGEX)),
    ],
    [
      'PutRecords with a 40-digit ExplicitHashKey',
      'PutRecords',
      { StreamName: STREAM, Records: [{ PartitionKey: 'a', Data: '', ExplicitHashKey: '1'.repeat(40) }] },
      validation(violation('1'.repeat(40), 'records.1.member.explicitHashKey', HASH_KEY_REGEX)),
    ],
    [
      'PutRecords to "a/b"',
      'PutRecords',
      { StreamName: 'a/b', Records: [{ PartitionKey: 'a', Data: '' }] },
      validation(violation('a/b', 'streamName', NAME_REGEX)),
    ],
    [
      'PutRecords with a missing Data',
      'PutRecords',
      { StreamName: STREAM, Records: [{ PartitionKey: 'a' }] },
      validation(notNull('records.1.member.data')),
    ],
    [
      'PutRecord with a bad SequenceNumberForOrdering',
      'PutRecord',
      { StreamName: STREAM, PartitionKey: 'a', Data: '', SequenceNumberForOrdering: 'abc' },
      validation(violation('abc', 'sequenceNumberForOrdering', SEQUENCE_REGEX)),
    ],
    [
      'PutRecord {}',
      'PutRecord',
      {},
      validation(notNull('partitionKey'), notNull('data'), notNull('streamName')),
    ],
    [
      'GetShardIterator {}',
      'GetShardIterator',
      {},
      validation(notNull('shardId'), notNull('shardIteratorType'), notNull('streamName')),
    ],
    [
      'GetShardIterator with empty strings',
      'GetShardIterator',
      { StreamName: '', ShardIteratorType: '', ShardId: '', StartingSequenceNumber: '' },
      validation(
        violation('', 'shardId', NAME_REGEX),
        violation('', 'shardId', MIN_LENGTH_1),
        violation('', 'shardIteratorType', ITERATOR_TYPES),
        violation('', 'startingSequenceNumber', SEQUENCE_REGEX),
        violation('', 'streamName', NAME_REGEX),
        violation('', 'streamName', MIN_LENGTH_1),
      ),
    ],
    [
      'GetShardIterator with 129-character names',
      'GetShardIterator',
      { StreamName: long129, ShardId: long129, ShardIteratorType: 'LATEST' },
      validation(
        violation(long129, 'shardId', 'Member must have length less than or equal to 128'),
        violation(long129, 'streamName', 'Member must have length less than or equal to 128'),
      ),
    ],
    [
      'GetShardIterator with a lower-case type',
      'GetShardIterator',
      { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'latest' },
      validation(violation('latest', 'shardIteratorType', ITERATOR_TYPES)),
    ],
    ['GetRecords {}', 'GetRecords', {}, validation(notNull('shardIterator'))],
    [
      'GetRecords with an empty iterator and Limit 0',
      'GetRecords',
      { ShardIterator: '', Limit: 0 },
      validation(
        violation('0', 'limit', 'Member must have value greater than or equal to 1'),
        violation('', 'shardIterator', MIN_LENGTH_1),
      ),
    ],
    [
      'GetRecords with a 513-character iterator and Limit 100000',
      'GetRecords',
      { ShardIterator: iterator513, Limit: 100000 },
      validation(
        violation('100000', 'limit', 'Member must have value less than or equal to 10000'),
        violation(iterator513, 'shardIterator', 'Member must have length less than or equal to 512'),
      ),
    ],
    [
      'GetRecords with Limit 10001',
      'GetRecords',
      { ShardIterator: 'abc', Limit: 10001 },
      validation(violation('10001', 'limit', 'Member must have value less than or equal to 10000')),
    ],
    [
      'GetRecords with Limit 1.9e10 (truncated to Integer.MAX_VALUE first)',
      'GetRecords',
      { ShardIterator: 'abc', Limit: 19_000_000_000 },
      validation(violation('2147483647', 'limit', 'Member must have value less than or equal to 10000')),
    ],
    [
      'CreateStream with an empty name and 0 shards',
      'CreateStream',
      { StreamName: '', ShardCount: 0 },
      validation(
        violation('0', 'shardCount', 'Member must have value greater than or equal to 1'),
        violation('', 'streamName', NAME_REGEX),
        violation('', 'streamName', MIN_LENGTH_1),
      ),
    ],
    [
      'CreateStream with a 129-character name and a huge ShardCount',
      'CreateStream',
      { StreamName: long129, ShardCount: 100000000000 },
      validation(violation(long129, 'streamName', 'Member must have length less than or equal to 128')),
    ],
    [
      'CreateStream with an unknown stream mode',
      'CreateStream',
      { StreamName: 'new-stream', StreamModeDetails: { StreamMode: 'FAST' } },
      validation(
        violation(
          'FAST',
          'streamModeDetails.streamMode',
          'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]',
        ),
      ),
    ],
    [
      'CreateStream with empty Tags',
      'CreateStream',
      { StreamName: 'new-stream', Tags: {} },
      validation(violation('{}', 'tags', MIN_LENGTH_1)),
    ],
  ]

  it.each(cases)('%s', async (_name, op, body, expected) => {
    expectResponse(await send(jsonCall(op, body)), json(400, expected))
  })

  // Numbers JSON.parse turns into ±Infinity: an Integer is clamped to Java's int range, as any
  // other out-of-range number is; a timestamp has no value at all.
  it.each([
    [
      'GetRecords Limit 1e400',
      'GetRecords',
      '{"ShardIterator":"abc","Limit":1e400}',
      json(
        400,
        validation(violation('2147483647', 'limit', 'Member must have value less than or equal to 10000')),
      ),
    ],
    [
      'GetRecords Limit -1e400',
      'GetRecords',
      '{"ShardIterator":"abc","Limit":-1e400}',
      json(
        400,
        validation(violation('-2147483648', 'limit', 'Member must have value greater than or equal to 1')),
      ),
    ],
    [
      'GetShardIterator Timestamp 1e400',
      'GetShardIterator',
      `{"StreamName":"${STREAM}","ShardId":"shardId-0","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1e400}`,
      json(400, serialization()),
    ],
  ])('%s', async (_name, op, body, expected) => {
    expectResponse(await send(jsonCall(op, body)), expected)
  })
})

// ---------------------------------------------------------------------------------------------
// Errors that need the stream: sizes, hash keys, iterators.

/** A PutRecords body built without JSON.stringify of megabytes of objects. */
function putRecordsBody(records: { key: string; data: Buffer; ehk?: string }[]): string {
  const parts = records.map(
    (r) =>
      `{"PartitionKey":${JSON.stringify(r.key)},"Data":"${r.data.toString('base64')}"${r.ehk ? `,"ExplicitHashKey":"${r.ehk}"` : ''}}`,
  )
  return `{"StreamName":"${STREAM}","Records":[${parts.join(',')}]}`
}

describe('record and request limits, hash keys, streams, shards and iterators', () => {
  const HASH_2_128 = (1n << 128n).toString()

  it.each([
    [
      'Data of 1 MiB + 1 byte',
      [{ key: 'k', data: Buffer.alloc(MiB + 1, 1) }],
      validation(
        violation(
          `java.nio.HeapByteBuffer[pos=0 lim=${MiB + 1} cap=${MiB + 1}]`,
          'records.1.member.data',
          'Member must have length less than or equal to 1048576',
        ),
      ),
    ],
    [
      'Data of exactly 1 MiB plus a 1-byte key',
      [
        { key: 'a', data: Buffer.alloc(10, 1) },
        { key: 'k', data: Buffer.alloc(MiB, 1) },
      ],
      validation(
        violation(
          `java.nio.HeapByteBuffer[pos=0 lim=${MiB} cap=${MiB}]`,
          'records.2.member.data',
          'Member must have length less than or equal to 1048576',
        ),
      ),
    ],
    [
      '6 records of 1 MiB minus their key (over 5 MiB in total)',
      Array.from({ length: 6 }, () => ({ key: 'key', data: Buffer.alloc(MiB - 3, 2) })),
      error('InvalidArgumentException', 'Records size exceeds 5 MB limit'),
    ],
    [
      'ExplicitHashKey 2^128',
      [
        { key: 'a', data: Buffer.alloc(0), ehk: HASH_2_128 },
        { key: 'a', data: Buffer.alloc(0) },
      ],
      error(
        'InvalidArgumentException',
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${HASH_2_128}`,
      ),
    ],
  ])('PutRecords: %s', async (_name, records, expected) => {
    expectResponse(await send(jsonCall('PutRecords', putRecordsBody(records))), json(400, expected))
  })

  it('PutRecord: Data of 1 MiB + 1 byte', async () => {
    const body = `{"StreamName":"${STREAM}","PartitionKey":"k","Data":"${Buffer.alloc(MiB + 1).toString('base64')}"}`
    const limit = `java.nio.HeapByteBuffer[pos=0 lim=${MiB + 1} cap=${MiB + 1}]`
    expectResponse(
      await send(jsonCall('PutRecord', body)),
      json(
        400,
        validation(violation(limit, 'data', 'Member must have length less than or equal to 1048576')),
      ),
    )
  })

  it('accepts a record whose key and data make exactly 1 MiB, and 5 such records (exactly 5 MiB)', async () => {
    const one = { key: 'key', data: Buffer.alloc(MiB - 3, 7) }
    const single = await send(jsonCall('PutRecords', putRecordsBody([one])))
    expect(single.status).toBe(200)
    expect((single.data as { FailedRecordCount: number }).FailedRecordCount).toBe(0)
    const five = Array.from({ length: 5 }, (_, i) => ({
      key: 'key',
      data: Buffer.alloc(MiB - 3, i),
    }))
    const batch = await send(jsonCall('PutRecords', putRecordsBody(five)))
    expect(batch.status).toBe(200)
    expect((batch.data as { FailedRecordCount: number }).FailedRecordCount).toBe(0)
    for (const r of [one, ...five]) acceptedDuringBarrage.push({ key: r.key, sha: sha(r.data) })
  })

  it.each([
    [
      'PutRecords to a stream that does not exist',
      'PutRecords',
      { StreamName: 'no-such-stream', Records: [{ PartitionKey: 'a', Data: '' }] },
      error('ResourceNotFoundException', `Stream no-such-stream under account ${ACCOUNT} not found.`),
    ],
    [
      'PutRecord to a stream that does not exist',
      'PutRecord',
      { StreamName: 'no-such-stream', PartitionKey: 'a', Data: '' },
      error('ResourceNotFoundException', `Stream no-such-stream under account ${ACCOUNT} not found.`),
    ],
    [
      'PutRecord with ExplicitHashKey 2^128',
      'PutRecord',
      { StreamName: STREAM, PartitionKey: 'a', Data: '', ExplicitHashKey: (1n << 128n).toString() },
      error(
        'InvalidArgumentException',
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${(1n << 128n).toString()}`,
      ),
    ],
    [
      'GetShardIterator TRIM_HORIZON with a StartingSequenceNumber',
      'GetShardIterator',
      {
        StreamName: STREAM,
        ShardId: 'shardId-0',
        ShardIteratorType: 'TRIM_HORIZON',
        StartingSequenceNumber: '5',
      },
      error(
        'InvalidArgumentException',
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber.',
      ),
    ],
    [
      'GetShardIterator AFTER_SEQUENCE_NUMBER without a StartingSequenceNumber',
      'GetShardIterator',
      { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' },
      error(
        'InvalidArgumentException',
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AFTER_SEQUENCE_NUMBER and no StartingSequenceNumber.',
      ),
    ],
    [
      'GetShardIterator AT_TIMESTAMP without a Timestamp',
      'GetShardIterator',
      { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP' },
      error(
        'InvalidArgumentException',
        'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      ),
    ],
    [
      'GetShardIterator on a shard that does not exist',
      'GetShardIterator',
      { StreamName: STREAM, ShardId: 'shardId-5', ShardIteratorType: 'LATEST' },
      error(
        'ResourceNotFoundException',
        `Shard shardId-000000000005 in stream ${STREAM} under account ${ACCOUNT} does not exist`,
      ),
    ],
    [
      'GetShardIterator on a shard id that is not a number',
      'GetShardIterator',
      { StreamName: STREAM, ShardId: 'ABKLFD8', ShardIteratorType: 'LATEST' },
      error(
        'ResourceNotFoundException',
        `Could not find shard ABKLFD8 in stream ${STREAM} under account ${ACCOUNT}.`,
      ),
    ],
    [
      'GetRecords with a garbage iterator',
      'GetRecords',
      { ShardIterator: 'not-an-iterator' },
      error('InvalidArgumentException', 'Invalid ShardIterator.'),
    ],
  ])('%s', async (_name, op, body, expected) => {
    expectResponse(await send(jsonCall(op, body)), json(400, expected))
  })

  it('GetShardIterator with a sequence number from another shard', async () => {
    const { ShardId, SequenceNumber } = await t.client.send(
      new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'other-shard', Data: Buffer.from('o') }),
    )
    acceptedDuringBarrage.push({ key: 'other-shard', sha: sha(Buffer.from('o')) })
    const other = ShardId === 'shardId-000000000000' ? 'shardId-000000000001' : 'shardId-000000000000'
    const res = await send(
      jsonCall('GetShardIterator', {
        StreamName: STREAM,
        ShardId: other,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: SequenceNumber,
      }),
    )
    expectResponse(
      res,
      json(
        400,
        error(
          'InvalidArgumentException',
          `Invalid StartingSequenceNumber. It encodes ${ShardId}, while it was used in a call to a shard with ${other}`,
        ),
      ),
    )
  })

  it('GetRecords with an iterator older than 5 minutes', async () => {
    const { ShardIterator } = await t.client.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'LATEST',
      }),
    )
    t.clock.advance(300_001)
    const res = await send(jsonCall('GetRecords', { ShardIterator }))
    expect({ status: res.status, type: (res.data as { __type: string }).__type }).toEqual({
      status: 400,
      type: 'ExpiredIteratorException',
    })
    expect((res.data as { message: string }).message).toMatch(
      /^Iterator expired\. The iterator was created at time \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} while right now it is \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} which is further in the future than the tolerated delay of 300000 milliseconds\.$/,
    )
  })

  it('GetRecords with a tampered iterator is refused, not followed', async () => {
    const { ShardIterator } = await t.client.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    const bytes = Buffer.from(ShardIterator!, 'base64')
    bytes[bytes.length - 1]! ^= 1
    const res = await send(jsonCall('GetRecords', { ShardIterator: bytes.toString('base64') }))
    expectResponse(res, json(400, error('InvalidArgumentException', 'Invalid ShardIterator.')))
  })
})

// ---------------------------------------------------------------------------------------------
// Odd but valid input: documented, deterministic behaviour.

describe('odd but well-formed input', () => {
  it('keeps a NUL inside a partition key', async () => {
    const res = await send(
      jsonCall('PutRecord', { StreamName: STREAM, PartitionKey: 'nul\u0000key', Data: 'bnVs' }),
    )
    expect(res.status).toBe(200)
    acceptedDuringBarrage.push({ key: 'nul\u0000key', sha: sha(Buffer.from('nul')) })
  })

  it('takes the last of duplicate JSON keys', async () => {
    const body =
      '{"StreamName":"no-such-stream","PartitionKey":"dup-first","Data":"!!!!",' +
      `"StreamName":"${STREAM}","PartitionKey":"dup-last","Data":"ZHVw"}`
    const res = await send(jsonCall('PutRecord', body))
    expect(res.status).toBe(200)
    acceptedDuringBarrage.push({ key: 'dup-last', sha: sha(Buffer.from('dup')) })
  })

  // Null is "absent" for AWS's deserializer (and for the generic validator here); the PutRecord(s)
  // hot path must agree, or a body with an explicit null is refused or misrouted.
  it.each([
    [
      'PutRecord with null StreamARN, ExplicitHashKey and SequenceNumberForOrdering',
      'PutRecord',
      {
        StreamName: STREAM,
        StreamARN: null,
        PartitionKey: 'nulls-1',
        Data: 'bnVsbA==',
        ExplicitHashKey: null,
        SequenceNumberForOrdering: null,
      },
      'nulls-1',
    ],
    [
      'PutRecord with a null StreamName beside a StreamARN',
      'PutRecord',
      { StreamName: null, StreamARN: ARN, PartitionKey: 'nulls-2', Data: 'bnVsbA==' },
      'nulls-2',
    ],
    [
      'PutRecords with a null StreamName beside a StreamARN',
      'PutRecords',
      {
        StreamName: null,
        StreamARN: ARN,
        Records: [{ PartitionKey: 'nulls-3', Data: 'bnVsbA==', ExplicitHashKey: null }],
      },
      'nulls-3',
    ],
    [
      'PutRecords with a null StreamARN',
      'PutRecords',
      { StreamName: STREAM, StreamARN: null, Records: [{ PartitionKey: 'nulls-4', Data: 'bnVsbA==' }] },
      'nulls-4',
    ],
  ])('treats explicit nulls as absent: %s', async (_name, op, body, key) => {
    const res = await send(jsonCall(op, body))
    expect({ status: res.status, error: res.status === 200 ? undefined : res.data }).toEqual({
      status: 200,
      error: undefined,
    })
    acceptedDuringBarrage.push({ key, sha: sha(Buffer.from('null')) })
  })

  it('keeps a tag named __proto__ as a tag', async () => {
    const add = await send(
      jsonCall('AddTagsToStream', '{"StreamName":"malformed","Tags":{"__proto__":"p","b":"c"}}'),
    )
    expect(add.status).toBe(200)
    const list = await send(jsonCall('ListTagsForStream', { StreamName: STREAM }))
    expect(list.data).toEqual({
      Tags: [
        { Key: '__proto__', Value: 'p' },
        { Key: 'b', Value: 'c' },
      ],
      HasMoreTags: false,
    })
  })

  it('accepts empty Data and keys that need JSON escaping; a lone surrogate reads back as U+FFFD', async () => {
    const key = 'quote" backslash\\ newline\n tab\t emoji 🦆 lone \ud800'
    const res = await send(jsonCall('PutRecord', { StreamName: STREAM, PartitionKey: key, Data: '' }))
    expect(res.status).toBe(200)
    // Keys are stored as UTF-8, which cannot hold an unpaired surrogate.
    acceptedDuringBarrage.push({ key: key.replace('\ud800', '\ufffd'), sha: sha(Buffer.alloc(0)) })
  })
})

// ---------------------------------------------------------------------------------------------
// Oversized bodies: refused with 413 before anything is parsed, and the server carries on.

describe('oversized bodies', () => {
  const headers = { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.PutRecords', ...FAKE_AUTH }

  it('413 on a declared Content-Length over the cap, without waiting for the body', async () => {
    // Only 1 KiB of the declared size is ever sent: a server that waited for the body would hang.
    const res = await send({
      headers: { ...headers, 'content-length': String(DEFAULT_MAX_BODY_BYTES + 1) },
      chunks: [Buffer.alloc(1024, 0x20)],
    })
    expect(res.status).toBe(413)
    expect(res.headers.connection).toBe('close')
    expect(res.body.length).toBe(0)
  })

  it('413 on a chunked body that grows over the cap', async () => {
    const chunk = Buffer.alloc(MiB, 0x20)
    const count = Math.ceil(DEFAULT_MAX_BODY_BYTES / MiB) + 1
    const res = await send({ headers, chunks: Array.from({ length: count }, () => chunk) })
    expect(res.status).toBe(413)
    expect(res.headers.connection).toBe('close')
  })

  it('still answers after refusing them', async () => {
    const res = await send(jsonCall('DescribeStreamSummary', { StreamName: STREAM }))
    expect(res.status).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------
// The same errors in CBOR (application/x-amz-cbor-1.1).

describe('CBOR', () => {
  const call = (op: string, body: unknown, headers: Record<string, string> = FAKE_AUTH) => ({
    headers: { 'content-type': AMZ_CBOR, 'x-amz-target': `Kinesis_20131202.${op}`, ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(encodeCbor(body)),
  })

  it.each([
    ['bytes that are not CBOR', 'PutRecord', Buffer.from([0xff, 0xfe, 0xfd]), cbor(400, CBOR_SERIALIZATION)],
    ['a CBOR array', 'PutRecord', [1, 2], cbor(400, CBOR_SERIALIZATION)],
    [
      'truncated CBOR',
      'PutRecord',
      Buffer.from(encodeCbor({ StreamName: STREAM })).subarray(0, 5),
      cbor(400, CBOR_SERIALIZATION),
    ],
    [
      '100,000 nested CBOR arrays',
      'PutRecord',
      Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0x01])]),
      cbor(400, CBOR_SERIALIZATION),
    ],
    ['an unknown operation', 'NoSuchOp', {}, cbor(400, CBOR_UNKNOWN)],
    [
      'a number as PartitionKey',
      'PutRecord',
      { StreamName: STREAM, PartitionKey: 23, Data: Buffer.from('x') },
      cbor(400, serialization(`${NUMBER} an String`)),
    ],
    [
      'a map as Records',
      'PutRecords',
      { StreamName: STREAM, Records: { a: 1 } },
      cbor(400, serialization('Start of structure or map found where not expected.')),
    ],
    ['PutRecords {}', 'PutRecords', {}, cbor(400, validation(notNull('records'), notNull('streamName')))],
    [
      'a 1 MiB + 1 byte string Data',
      'PutRecord',
      { StreamName: STREAM, PartitionKey: 'k', Data: Buffer.alloc(MiB + 1) },
      cbor(
        400,
        validation(
          violation(
            `java.nio.HeapByteBuffer[pos=0 lim=${MiB + 1} cap=${MiB + 1}]`,
            'data',
            'Member must have length less than or equal to 1048576',
          ),
        ),
      ),
    ],
    [
      'a stream that does not exist',
      'PutRecord',
      { StreamName: 'no-such-stream', PartitionKey: 'k', Data: Buffer.from('x') },
      cbor(
        400,
        error('ResourceNotFoundException', `Stream no-such-stream under account ${ACCOUNT} not found.`),
      ),
    ],
  ])('%s', async (_name, op, body, expected) => {
    expectResponse(await send(call(op, body)), expected)
  })

  it('no authentication', async () => {
    const res = await send(call('ListStreams', {}, {}))
    expectResponse(
      res,
      cbor(400, error('MissingAuthenticationTokenException', 'Missing Authentication Token')),
    )
  })
})

// ---------------------------------------------------------------------------------------------

describe('after the barrage', () => {
  it('still holds every acknowledged record, intact, and serves the SDK', async () => {
    const { StreamNames } = await t.client.send(new ListStreamsCommand({}))
    expect(StreamNames).toEqual([STREAM])
    const read: _Record[] = []
    for (const ShardId of ['shardId-000000000000', 'shardId-000000000001']) {
      let { ShardIterator } = await t.client.send(
        new GetShardIteratorCommand({ StreamName: STREAM, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
      for (let page = 0; page < 20 && ShardIterator; page++) {
        const got = await t.client.send(new GetRecordsCommand({ ShardIterator }))
        read.push(...got.Records!)
        if (got.Records!.length === 0 && got.MillisBehindLatest === 0) break
        ShardIterator = got.NextShardIterator
      }
    }
    const bySeq = new Map(read.map((r) => [r.SequenceNumber!, r]))
    for (const r of before) {
      const got = bySeq.get(r.sequenceNumber)
      expect(got, `record ${r.key} ${r.sequenceNumber}`).toBeDefined()
      expect(got!.PartitionKey).toBe(r.key)
      expect(Buffer.from(got!.Data!).equals(r.data)).toBe(true)
    }
    const rest = read
      .filter((r) => !before.some((b) => b.sequenceNumber === r.SequenceNumber))
      .map((r) => ({ key: r.PartitionKey!, sha: sha(Buffer.from(r.Data!)) }))
    const order = (a: { key: string; sha: string }, b: { key: string; sha: string }) =>
      a.key === b.key ? a.sha.localeCompare(b.sha) : a.key < b.key ? -1 : 1
    expect(rest.sort(order)).toEqual([...acceptedDuringBarrage].sort(order))
  })
})
