/**
 * SQS on AWS's query protocol (2012-11-05), as the AWS CLI and boto3 releases Debian ships speak
 * it: form-encoded requests with SQS's flattened lists and maps, XML replies and ErrorResponses
 * with the query error codes. Raw requests with fetch, then the real clients (Debian's
 * /usr/bin/aws and boto3 for /usr/bin/python3), skipped with the reason shown when missing.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const DEFINITION = { name: 'sqs-query', queues: { jobs: {}, 'jobs-dlq': {} } }
const ACCOUNT = '000000000000'
const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/'
const md5 = (s: string) => createHash('md5').update(s).digest('hex')

async function served() {
  return startPipeline(DEFINITION, { serve: true, teardown: onTestFinished })
}

/** A form-encoded SQS request signed (in scope) for `sqs`, as the query clients send it. */
async function query(p: TestPipeline, params: Record<string, string>) {
  const res = await fetch(p.endpoint!, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00',
      'x-amz-date': '20261206T000000Z',
    },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }),
  })
  return { status: res.status, body: await res.text() }
}

/** The text of every `<tag>` element, in order. */
const all = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!)
const one = (xml: string, tag: string) => all(xml, tag)[0]

const REQUEST_ID = '<ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata>'

/** An ErrorResponse with the query protocol's code. */
const errorXml = (code: string, type = 'Sender') =>
  new RegExp(
    `^<\\?xml version="1.0"\\?>\\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code.replace(/\./g, '\\.')}</Code><Message>[^<]*</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>\\n$`,
  )

describe('SQS on the query protocol (raw requests)', () => {
  it('creates, finds, lists, reads and changes queues; purges and deletes them', async () => {
    const p = await served()
    const created = await query(p, {
      Action: 'CreateQueue',
      QueueName: 'orders',
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '45',
      'Attribute.2.Name': 'DelaySeconds',
      'Attribute.2.Value': '0',
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'shop',
    })
    expect(created.status).toBe(200)
    const url = `${p.endpoint!.replace(/\/$/, '')}/${ACCOUNT}/orders`
    expect(created.body).toMatch(
      new RegExp(
        `^<\\?xml version="1.0"\\?>\\n<CreateQueueResponse xmlns="${XMLNS}"><CreateQueueResult><QueueUrl>${url}</QueueUrl></CreateQueueResult>${REQUEST_ID}</CreateQueueResponse>\\n$`,
      ),
    )
    // The same attributes again: the same queue.
    expect(
      one(
        (
          await query(p, {
            Action: 'CreateQueue',
            QueueName: 'orders',
            'Attribute.1.Name': 'VisibilityTimeout',
            'Attribute.1.Value': '45',
          })
        ).body,
        'QueueUrl',
      ),
    ).toBe(url)

    const found = await query(p, { Action: 'GetQueueUrl', QueueName: 'orders' })
    expect(one(found.body, 'GetQueueUrlResult')).toBe(`<QueueUrl>${url}</QueueUrl>`)

    // ListQueues: flattened, one <QueueUrl> per queue, no <member>.
    const listed = await query(p, { Action: 'ListQueues' })
    expect(listed.status).toBe(200)
    expect(listed.body).not.toContain('<member>')
    expect(all(listed.body, 'QueueUrl').map((u) => u.slice(u.lastIndexOf('/') + 1))).toEqual([
      'jobs',
      'jobs-dlq',
      'orders',
    ])
    const prefixed = await query(p, { Action: 'ListQueues', QueueNamePrefix: 'jobs-' })
    expect(one(prefixed.body, 'ListQueuesResult')).toBe(
      `<QueueUrl>${url.replace('orders', 'jobs-dlq')}</QueueUrl>`,
    )
    const paged = await query(p, { Action: 'ListQueues', MaxResults: '2' })
    expect(all(paged.body, 'QueueUrl')).toHaveLength(2)
    const token = one(paged.body, 'NextToken')!
    const rest = await query(p, { Action: 'ListQueues', MaxResults: '2', NextToken: token })
    expect(all(rest.body, 'QueueUrl')).toEqual([url])
    const none = await query(p, { Action: 'ListQueues', QueueNamePrefix: 'zzz' })
    expect(none.body).toContain('<ListQueuesResult></ListQueuesResult>')

    // GetQueueAttributes: AttributeName.N in, <Attribute><Name/><Value/></Attribute> out.
    const attributes = await query(p, {
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.1': 'VisibilityTimeout',
      'AttributeName.2': 'QueueArn',
    })
    expect(one(attributes.body, 'GetQueueAttributesResult')).toBe(
      `<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:${ACCOUNT}:orders</Value></Attribute>` +
        '<Attribute><Name>VisibilityTimeout</Name><Value>45</Value></Attribute>',
    )
    // Lists are taken in the `.member.N` spelling too.
    const members = await query(p, {
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.member.1': 'VisibilityTimeout',
    })
    expect(one(members.body, 'GetQueueAttributesResult')).toBe(
      '<Attribute><Name>VisibilityTimeout</Name><Value>45</Value></Attribute>',
    )
    const redrive = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs-dlq`,
      maxReceiveCount: 3,
    })
    const set = await query(p, {
      Action: 'SetQueueAttributes',
      QueueUrl: url,
      'Attribute.1.Name': 'MessageRetentionPeriod',
      'Attribute.1.Value': '600',
      'Attribute.2.Name': 'RedrivePolicy',
      'Attribute.2.Value': redrive,
    })
    expect(set.body).toMatch(
      new RegExp(`<SetQueueAttributesResponse xmlns="${XMLNS}">${REQUEST_ID}</SetQueueAttributesResponse>`),
    )
    const everything = await query(p, {
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.1': 'All',
    })
    const pairs = Object.fromEntries(
      all(everything.body, 'Attribute').map((a) => [one(a, 'Name'), one(a, 'Value')]),
    )
    expect(pairs).toMatchObject({
      MessageRetentionPeriod: '600',
      VisibilityTimeout: '45',
      ApproximateNumberOfMessages: '0',
      RedrivePolicy: redrive.replace(/"/g, '&quot;'),
    })

    await query(p, { Action: 'SendMessage', QueueUrl: url, MessageBody: 'to purge' })
    const purged = await query(p, { Action: 'PurgeQueue', QueueUrl: url })
    expect(purged.body).toMatch(
      new RegExp(`<PurgeQueueResponse xmlns="${XMLNS}">${REQUEST_ID}</PurgeQueueResponse>`),
    )
    const deleted = await query(p, { Action: 'DeleteQueue', QueueUrl: url })
    expect(deleted.status).toBe(200)
    expect(deleted.body).toMatch(
      new RegExp(
        `^<\\?xml version="1.0"\\?>\\n<DeleteQueueResponse xmlns="${XMLNS}">${REQUEST_ID}</DeleteQueueResponse>\\n$`,
      ),
    )
    expect((await query(p, { Action: 'GetQueueUrl', QueueName: 'orders' })).body).toMatch(
      errorXml('AWS.SimpleQueueService.NonExistentQueue'),
    )
  })

  it('sends, batches, receives with attributes, changes visibility and deletes messages', async () => {
    const p = await served()
    const url = one((await query(p, { Action: 'GetQueueUrl', QueueName: 'jobs' })).body, 'QueueUrl')!

    const sent = await query(p, {
      Action: 'SendMessage',
      QueueUrl: url,
      MessageBody: 'hello <world> & ünïcode',
      'MessageAttribute.1.Name': 'trace',
      'MessageAttribute.1.Value.StringValue': 'abc',
      'MessageAttribute.1.Value.DataType': 'String',
    })
    expect(sent.status).toBe(200)
    expect(one(sent.body, 'MD5OfMessageBody')).toBe(md5('hello <world> & ünïcode'))
    expect(one(sent.body, 'MD5OfMessageAttributes')).toMatch(/^[0-9a-f]{32}$/)
    expect(one(sent.body, 'MessageId')).toMatch(/^[0-9a-f-]{36}$/)

    const batch = await query(p, {
      Action: 'SendMessageBatch',
      QueueUrl: url,
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'first',
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'second',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Name': 'kind',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue': 'x',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType': 'String',
      'SendMessageBatchRequestEntry.3.Id': 'c',
      'SendMessageBatchRequestEntry.3.MessageBody': 'third',
      'SendMessageBatchRequestEntry.3.DelaySeconds': '1000',
    })
    expect(batch.status).toBe(200)
    const ok = all(batch.body, 'SendMessageBatchResultEntry')
    expect(ok.map((e) => one(e, 'Id'))).toEqual(['a', 'b'])
    expect(one(ok[0]!, 'MD5OfMessageBody')).toBe(md5('first'))
    const failed = all(batch.body, 'BatchResultErrorEntry')
    expect(failed).toHaveLength(1)
    expect(one(failed[0]!, 'Id')).toBe('c')
    expect(one(failed[0]!, 'SenderFault')).toBe('true')
    expect(one(failed[0]!, 'Code')).toBe('InvalidParameterValue')

    const received = await query(p, {
      Action: 'ReceiveMessage',
      QueueUrl: url,
      MaxNumberOfMessages: '10',
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    })
    expect(received.status).toBe(200)
    const messages = all(received.body, 'Message')
    expect(messages.map((m) => one(m, 'Body'))).toEqual([
      'hello &lt;world&gt; &amp; ünïcode',
      'first',
      'second',
    ])
    const [first, , third] = messages
    expect(one(first!, 'MD5OfBody')).toBe(md5('hello <world> & ünïcode'))
    expect(one(first!, 'MessageAttribute')).toBe(
      '<Name>trace</Name><Value><DataType>String</DataType><StringValue>abc</StringValue></Value>',
    )
    expect(one(first!, 'MD5OfMessageAttributes')).toBe(one(sent.body, 'MD5OfMessageAttributes'))
    const system = Object.fromEntries(all(first!, 'Attribute').map((a) => [one(a, 'Name'), one(a, 'Value')]))
    expect(system).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.stringMatching(/^\d+$/),
    })
    expect(one(third!, 'MessageAttribute')).toContain('<Name>kind</Name>')
    const handles = messages.map((m) => one(m, 'ReceiptHandle')!)

    const changed = await query(p, {
      Action: 'ChangeMessageVisibility',
      QueueUrl: url,
      ReceiptHandle: handles[0]!,
      VisibilityTimeout: '0',
    })
    expect(changed.body).toMatch(
      new RegExp(
        `<ChangeMessageVisibilityResponse xmlns="${XMLNS}">${REQUEST_ID}</ChangeMessageVisibilityResponse>`,
      ),
    )
    const changedBatch = await query(p, {
      Action: 'ChangeMessageVisibilityBatch',
      QueueUrl: url,
      'ChangeMessageVisibilityBatchRequestEntry.1.Id': 'one',
      'ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle': handles[1]!,
      'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout': '60',
      'ChangeMessageVisibilityBatchRequestEntry.2.Id': 'bad',
      'ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle': 'not-a-handle',
      'ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout': '60',
    })
    expect(all(changedBatch.body, 'ChangeMessageVisibilityBatchResultEntry')).toEqual(['<Id>one</Id>'])
    expect(one(one(changedBatch.body, 'BatchResultErrorEntry')!, 'Id')).toBe('bad')

    // The first is visible again (timeout 0): received a second time.
    const again = await query(p, {
      Action: 'ReceiveMessage',
      QueueUrl: url,
      'AttributeName.1': 'ApproximateReceiveCount',
    })
    const [back] = all(again.body, 'Message')
    expect(one(back!, 'Body')).toBe('hello &lt;world&gt; &amp; ünïcode')
    expect(one(back!, 'Attribute')).toBe('<Name>ApproximateReceiveCount</Name><Value>2</Value>')
    expect(back).not.toContain('<MessageAttribute>')

    const removed = await query(p, {
      Action: 'DeleteMessage',
      QueueUrl: url,
      ReceiptHandle: one(back!, 'ReceiptHandle')!,
    })
    expect(removed.body).toMatch(
      new RegExp(`<DeleteMessageResponse xmlns="${XMLNS}">${REQUEST_ID}</DeleteMessageResponse>`),
    )
    const removedBatch = await query(p, {
      Action: 'DeleteMessageBatch',
      QueueUrl: url,
      'DeleteMessageBatchRequestEntry.1.Id': 'x',
      'DeleteMessageBatchRequestEntry.1.ReceiptHandle': handles[1]!,
      'DeleteMessageBatchRequestEntry.2.Id': 'y',
      'DeleteMessageBatchRequestEntry.2.ReceiptHandle': handles[2]!,
    })
    expect(all(removedBatch.body, 'DeleteMessageBatchResultEntry')).toEqual(['<Id>x</Id>', '<Id>y</Id>'])
    expect(removedBatch.body).not.toContain('BatchResultErrorEntry')
    const attributes = await query(p, {
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.1': 'ApproximateNumberOfMessages',
      'AttributeName.2': 'ApproximateNumberOfMessagesNotVisible',
    })
    expect(all(attributes.body, 'Value')).toEqual(['0', '0'])
    const empty = await query(p, { Action: 'ReceiveMessage', QueueUrl: url })
    expect(empty.body).toContain('<ReceiveMessageResult></ReceiveMessageResult>')
  })

  it("answers errors in SQS's query ErrorResponse with the query protocol's codes", async () => {
    const p = await served()
    const url = one((await query(p, { Action: 'GetQueueUrl', QueueName: 'jobs' })).body, 'QueueUrl')!
    const cases: [Record<string, string>, string, number][] = [
      [
        { Action: 'SendMessage', QueueUrl: url.replace('jobs', 'nope'), MessageBody: 'x' },
        'AWS.SimpleQueueService.NonExistentQueue',
        400,
      ],
      [{ Action: 'GetQueueUrl', QueueName: 'nope' }, 'AWS.SimpleQueueService.NonExistentQueue', 400],
      [
        {
          Action: 'CreateQueue',
          QueueName: 'jobs',
          'Attribute.1.Name': 'DelaySeconds',
          'Attribute.1.Value': '5',
        },
        'QueueAlreadyExists',
        400,
      ],
      [{ Action: 'CreateQueue' }, 'MissingParameter', 400],
      [{ Action: 'CreateQueue', QueueName: 'bad name!' }, 'InvalidParameterValue', 400],
      [
        { Action: 'CreateQueue', QueueName: 'q', 'Attribute.1.Name': 'Bogus', 'Attribute.1.Value': '1' },
        'InvalidAttributeName',
        400,
      ],
      [{ Action: 'ReceiveMessage', QueueUrl: url, MaxNumberOfMessages: 'ten' }, 'InvalidParameterValue', 400],
      [{ Action: 'SendMessage', QueueUrl: url }, 'MissingParameter', 400],
      [{ Action: 'DeleteMessage', QueueUrl: url, ReceiptHandle: 'garbage' }, 'ReceiptHandleIsInvalid', 404],
      [{ Action: 'DeleteMessageBatch', QueueUrl: url }, 'MissingParameter', 400],
      [
        {
          Action: 'DeleteMessageBatch',
          QueueUrl: url,
          'DeleteMessageBatchRequestEntry.1.Id': 'a',
          'DeleteMessageBatchRequestEntry.1.ReceiptHandle': 'h',
          'DeleteMessageBatchRequestEntry.2.Id': 'a',
          'DeleteMessageBatchRequestEntry.2.ReceiptHandle': 'h',
        },
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        400,
      ],
      [
        { Action: 'GetQueueAttributes', QueueUrl: url, 'AttributeName.1': 'Nope' },
        'InvalidAttributeName',
        400,
      ],
      [{ Action: 'Explode' }, 'InvalidAction', 400],
    ]
    for (const [params, code, status] of cases) {
      const res = await query(p, params)
      expect({ action: params.Action, status: res.status, body: res.body }).toEqual({
        action: params.Action,
        status,
        body: expect.stringMatching(errorXml(code)),
      })
    }
    expect((await query(p, { Action: 'GetQueueUrl', QueueName: 'nope' })).body).toContain(
      '<Message>The specified queue does not exist.</Message>',
    )
    // Signed for another service name: picked by Version alone.
    const otherScope = await fetch(p.endpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/queue/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20261206T000000Z',
      },
      body: 'Action=GetQueueUrl&Version=2012-11-05&QueueName=jobs',
    })
    expect(await otherScope.text()).toContain(`<GetQueueUrlResult><QueueUrl>${url}</QueueUrl>`)
  })
})

const cli = findAwsCli()
const boto3 = findBoto3()

describe('SQS on the query protocol with the real clients', () => {
  it('the Debian AWS CLI (/usr/bin/aws): create, list, send, receive, attributes, delete', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(cli, ctx)
    const p = await served()
    const aws = async (...args: string[]) => {
      const out = await run(cli.path, ['sqs', ...args, '--endpoint-url', p.endpoint!, '--output', 'json'])
      return out.trim() === '' ? {} : JSON.parse(out)
    }
    const { QueueUrl } = await aws(
      'create-queue',
      '--queue-name',
      'cli',
      '--attributes',
      'VisibilityTimeout=40',
    )
    expect(QueueUrl).toMatch(new RegExp(`/${ACCOUNT}/cli$`))
    const listed = await aws('list-queues')
    expect(listed.QueueUrls.map((u: string) => u.slice(u.lastIndexOf('/') + 1))).toEqual([
      'cli',
      'jobs',
      'jobs-dlq',
    ])
    const sent = await aws(
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      'from the cli ✓',
      '--message-attributes',
      JSON.stringify({ origin: { DataType: 'String', StringValue: 'aws-cli' } }),
    )
    expect(sent.MD5OfMessageBody).toBe(md5('from the cli ✓'))
    const received = await aws(
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
    )
    expect(received.Messages).toHaveLength(1)
    const [message] = received.Messages
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'from the cli ✓',
      MessageAttributes: { origin: { DataType: 'String', StringValue: 'aws-cli' } },
      Attributes: { ApproximateReceiveCount: '1' },
    })
    const attributes = await aws('get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All')
    expect(attributes.Attributes).toMatchObject({
      VisibilityTimeout: '40',
      ApproximateNumberOfMessagesNotVisible: '1',
    })
    await aws('delete-message', '--queue-url', QueueUrl, '--receipt-handle', message.ReceiptHandle)
    const after = await aws(
      'get-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
    )
    expect(after.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    })
    await expect(aws('get-queue-url', '--queue-name', 'nope')).rejects.toThrow(
      /AWS\.SimpleQueueService\.NonExistentQueue/,
    )
  })

  it('boto3 (/usr/bin/python3): the same round trip, and its error codes', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const p = await served()
    const script = `
import json, sys
import boto3
from botocore.exceptions import ClientError
sqs = boto3.client('sqs', endpoint_url=sys.argv[1])
assert sqs.meta.service_model.protocol == 'query', sqs.meta.service_model.protocol
url = sqs.create_queue(QueueName='py', Attributes={'DelaySeconds': '0'})['QueueUrl']
queues = sqs.list_queues()['QueueUrls']
sent = sqs.send_message(QueueUrl=url, MessageBody='from boto3 ✓',
    MessageAttributes={'origin': {'DataType': 'String', 'StringValue': 'boto3'}})
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{'Id': 'a', 'MessageBody': 'one'}, {'Id': 'b', 'MessageBody': 'two'}])
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=['All'], MessageAttributeNames=['All'])
messages = got['Messages']
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(messages[1:])])
sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]['ReceiptHandle'])
attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['All'])['Attributes']
try:
    sqs.get_queue_url(QueueName='nope')
    error = None
except ClientError as e:
    error = {'code': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
print(json.dumps({'url': url, 'queues': queues, 'sent': sent['MessageId'], 'batch': [e['Id'] for e in batch['Successful']],
    'messages': [{'body': m['Body'], 'attributes': m.get('MessageAttributes'), 'count': m['Attributes']['ApproximateReceiveCount']} for m in messages],
    'deleted': [e['Id'] for e in deleted['Successful']], 'attributes': attributes, 'error': error}))
`
    const out = JSON.parse(await run(boto3.python, ['-', p.endpoint!], script))
    expect(out.url).toMatch(new RegExp(`/${ACCOUNT}/py$`))
    expect(out.queues.map((u: string) => u.slice(u.lastIndexOf('/') + 1))).toEqual(['jobs', 'jobs-dlq', 'py'])
    expect(out.sent).toMatch(/^[0-9a-f-]{36}$/)
    expect(out.batch).toEqual(['a', 'b'])
    expect(out.messages).toEqual([
      {
        body: 'from boto3 ✓',
        attributes: { origin: { DataType: 'String', StringValue: 'boto3' } },
        count: '1',
      },
      { body: 'one', attributes: null, count: '1' },
      { body: 'two', attributes: null, count: '1' },
    ])
    expect(out.deleted).toEqual(['0', '1'])
    expect(out.attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    })
    expect(out.error).toEqual({ code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 })
  })
})
