/**
 * The SDK clients, each created at the first call that needs it: a handler that only writes to a
 * queue never loads the S3 or DynamoDB client (Lambda's Node.js runtimes ship SDK v3, and a
 * module loaded is cold-start time spent). Region and credentials come from the SDK's default
 * chain (`AWS_REGION` and the role's credentials on Lambda); `AWS_ENDPOINT_URL` and the
 * `AWS_ENDPOINT_URL_<SERVICE>` variables point the clients elsewhere, natively in SDK v3.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { S3Client } from '@aws-sdk/client-s3'
import type { SNSClient } from '@aws-sdk/client-sns'
import type { SQSClient } from '@aws-sdk/client-sqs'

interface Clients {
  s3: S3Client
  dynamodb: DynamoDBClient
  sqs: SQSClient
  sns: SNSClient
  kinesis: KinesisClient
  cloudwatch: CloudWatchClient
}

/** A custom S3 endpoint (an emulator, Tributary) addresses buckets by path, not by host name. */
function customS3Endpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL)
}

const CREATE: { [K in keyof Clients]: (env: NodeJS.ProcessEnv) => Promise<Clients[K]> } = {
  s3: async (env) =>
    new (await import('@aws-sdk/client-s3')).S3Client({ forcePathStyle: customS3Endpoint(env) }),
  dynamodb: async () => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({}),
  sqs: async () => new (await import('@aws-sdk/client-sqs')).SQSClient({}),
  sns: async () => new (await import('@aws-sdk/client-sns')).SNSClient({}),
  kinesis: async () => new (await import('@aws-sdk/client-kinesis')).KinesisClient({}),
  cloudwatch: async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({}),
}

/** One client of each service per transport, created on first use. */
export class LazyClients {
  readonly #env: NodeJS.ProcessEnv
  readonly #made = new Map<keyof Clients, Promise<unknown>>()

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env
  }

  get<K extends keyof Clients>(service: K): Promise<Clients[K]> {
    let client = this.#made.get(service)
    if (!client) {
      client = CREATE[service](this.#env)
      // A failed import (a missing SDK package) is retried at the next call, not cached.
      client.catch(() => this.#made.delete(service))
      this.#made.set(service, client)
    }
    return client as Promise<Clients[K]>
  }

  /** Closes the sockets of every client made (tests; Lambda freezes the process instead). */
  async destroy(): Promise<void> {
    const made = await Promise.allSettled(this.#made.values())
    for (const r of made) if (r.status === 'fulfilled') (r.value as { destroy(): void }).destroy()
    this.#made.clear()
  }
}
