import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'

async function served() {
  const p = await startPipeline(
    { name: 'apis', queues: { jobs: {} } },
    { serve: true, teardown: onTestFinished },
  )
  return { p }
}

async function post(endpoint: string, target: string, contentType: string, body: string) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-amz-target': target,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      'x-amz-date': '20261206T000000Z',
    },
    body,
  })
  return { status: res.status, headers: res.headers, body: await res.text() }
}

describe('the pipeline APIs on the served port (JSON 1.0 services)', () => {
  it('routes DynamoDB and SQS requests by target and answers in each service’s error spelling', async () => {
    const { p } = await served()
    const raw = await post(
      p.endpoint!,
      'DynamoDB_20120810.NoSuchOperation',
      'application/x-amz-json-1.0',
      '{}',
    )
    expect(raw.status).toBe(400)
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0')
    expect(JSON.parse(raw.body)).toEqual({
      __type: 'com.amazon.coral.service#UnknownOperationException',
    })
    const notJson = await post(p.endpoint!, 'DynamoDB_20120810.ListTables', 'application/x-amz-json-1.0', '{')
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.body).__type).toBe('com.amazon.coral.service#SerializationException')
    const sqsRaw = await post(p.endpoint!, 'AmazonSQS.NoSuchOperation', 'application/x-amz-json-1.0', '{}')
    expect(JSON.parse(sqsRaw.body)).toEqual({ __type: 'com.amazonaws.sqs#UnknownOperationException' })
  })
})
