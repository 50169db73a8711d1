/** A raw DynamoDB request over loopback HTTP: the SDK would refuse to send most of these bodies. */
export async function post(endpoint: string, operation: string, body: unknown) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      'x-amz-date': '20261207T000000Z',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** DynamoDB's ValidationException body for `message`. */
export const validation = (message: string) => ({
  status: 400,
  body: { __type: 'com.amazon.coral.validate#ValidationException', message },
})
