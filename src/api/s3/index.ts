/**
 * The S3 API (REST-XML) on the lake's bucket store: path-style `/<bucket>/<key>` and
 * virtual-hosted `<bucket>.localhost` requests, routed by method, path and query subresource to
 * the operations in operations.ts. Errors are S3's `<Error>` documents with S3's status codes.
 */
import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../util/logger.ts'
import { randomBase64 } from '../../util/random-ids.ts'
import { verifySigV4 } from '../auth/sigv4.ts'
import type { AuthConfig, AwsRequest, AwsResponse } from '../dispatch.ts'
import { PipelineRebuildingError, type PipelineServices } from '../pipeline-services.ts'
import { signedService } from '../query.ts'
import type { S3Call, S3Context } from './call.ts'
import { operationFor } from './operations.ts'
import { S3Error } from './xml.ts'

export { S3_NAMESPACE, S3Error } from './xml.ts'

/** `<bucket>.localhost[:port]`: the bucket of a virtual-hosted request. */
export function hostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined
  const name = host.replace(/:\d+$/, '').toLowerCase()
  if (!name.endsWith('.localhost')) return undefined
  const bucket = name.slice(0, -'.localhost'.length)
  return bucket === '' ? undefined : bucket
}

/**
 * Whether a request is S3's rather than a JSON or query service's: any method but POST, a path
 * other than `/`, a `<bucket>.localhost` Host, or a signature scoped to `s3`.
 */
export function isS3Request(req: {
  method?: string | undefined
  url?: string | undefined
  headers: AwsRequest['headers']
}): boolean {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method !== 'POST' || path !== '/' || signedService(req.headers.authorization) === 's3') return true
  // A JSON (X-Amz-Target) or query (form) request sent to a `*.localhost` endpoint is not S3's.
  const contentType = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
  return (
    hostBucket(req.headers.host) !== undefined &&
    req.headers['x-amz-target'] === undefined &&
    contentType !== 'application/x-www-form-urlencoded'
  )
}

export interface S3ApiOptions {
  pipeline: PipelineServices
  /** `<dataDir>/lake`: where ListBuckets looks for bucket directories. */
  lakeRoot: string
  auth?: AuthConfig | undefined
  now: () => number
  logger: Logger
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.")
  }
}

/** S3's codes for the SigV4 failures verifySigV4 reports in Kinesis's spelling. */
function authError(code: string, message: string): S3Error {
  if (code === 'InvalidSignatureException') {
    if (message.startsWith('Signature expired') || message.startsWith('Signature not yet'))
      return new S3Error('RequestTimeTooSkewed', message)
    return new S3Error('SignatureDoesNotMatch', message)
  }
  if (code === 'UnrecognizedClientException')
    return new S3Error(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    )
  if (code === 'MissingAuthenticationTokenException') return new S3Error('AccessDenied', 'Access Denied')
  return new S3Error('AuthorizationHeaderMalformed', message)
}

export class S3Api {
  readonly #options: S3ApiOptions

  constructor(options: S3ApiOptions) {
    this.#options = options
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()
    let response: AwsResponse
    try {
      response = await this.#handle(req)
    } catch (thrown) {
      const error = this.#toS3Error(thrown, req)
      const body = req.method === 'HEAD' || error.status === 304 ? Buffer.alloc(0) : error.body(requestId)
      response = {
        status: error.status,
        headers: { 'content-type': 'application/xml', ...error.headers },
        body,
      }
    }
    response.headers['x-amz-request-id'] = requestId
    response.headers['x-amz-id-2'] = randomBase64(48)
    return response
  }

  #toS3Error(thrown: unknown, req: AwsRequest): S3Error {
    if (thrown instanceof S3Error) return thrown
    if (thrown instanceof PipelineRebuildingError) return new S3Error('ServiceUnavailable', thrown.message)
    const name = (thrown as Error)?.name
    if (name === 'NoSuchBucket') return new S3Error('NoSuchBucket', 'The specified bucket does not exist')
    if (name === 'NoSuchKey') return new S3Error('NoSuchKey', 'The specified key does not exist.')
    if (
      name === 'InvalidArgument' ||
      name === 'KeyTooLongError' ||
      name === 'MetadataTooLarge' ||
      name === 'ObjectPathConflict' ||
      name === 'NotImplemented' ||
      name === 'InvalidBucketName' ||
      name === 'BucketNotEmpty' ||
      name === 'InvalidBucketState' ||
      name === 'MalformedXML' ||
      name === 'SlowDown' ||
      name === 'InternalError'
    )
      return new S3Error(
        name,
        (thrown as Error).message,
        (thrown as { fields?: Record<string, string> }).fields ?? {},
      )
    this.#options.logger.error(`S3 ${req.method} ${req.url} failed: ${(thrown as Error)?.stack ?? thrown}`)
    return new S3Error('InternalError', 'We encountered an internal error. Please try again.')
  }

  async #handle(req: AwsRequest): Promise<AwsResponse> {
    const q = req.url.indexOf('?')
    const rawPath = q < 0 ? req.url : req.url.slice(0, q)
    const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1).replace(/\+/g, '%2B'))
    this.#authenticate(req, rawPath, q < 0 ? '' : req.url.slice(q))
    const virtual = hostBucket(req.headers.host)
    let bucket: string | undefined
    let key: string | undefined
    const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath
    if (virtual !== undefined) {
      bucket = virtual
      key = path === '' ? undefined : decodePath(path)
    } else if (path !== '') {
      const slash = path.indexOf('/')
      bucket = decodePath(slash < 0 ? path : path.slice(0, slash))
      const rest = slash < 0 ? '' : path.slice(slash + 1)
      key = rest === '' ? undefined : decodePath(rest)
    }
    const call: S3Call = {
      method: req.method.toUpperCase(),
      bucket,
      key,
      query,
      headers: req.headers,
      body: req.body,
    }
    const context: S3Context = {
      store: this.#options.pipeline.buckets(),
      lakeRoot: this.#options.lakeRoot,
      buckets: () => this.#options.pipeline.bucketRegistry(),
      bucketNames: () => this.#bucketNames(),
      now: this.#options.now,
    }
    return operationFor(call)(call, context)
  }

  /** With --auth, S3's SigV4: credential scoped to `s3`, the path signed as sent (encoded once). */
  #authenticate(req: AwsRequest, rawPath: string, rawQuery: string): void {
    const auth = this.#options.auth
    // Without --auth, anonymous requests are served too (as S3 serves public buckets).
    if (!auth) return
    // verifySigV4 encodes the path once more (right for every service but S3): give it the decoded
    // path, so the canonical URI is the path encoded once, as S3 signs it.
    const decoded = rawPath
      .split('/')
      .map((segment) => decodePath(segment).replace(/\?/g, '%3F'))
      .join('/')
    const result = verifySigV4(
      { ...req, url: decoded + rawQuery },
      {
        lookupSecret: (id) => auth.keys.get(id),
        now: this.#options.now(),
        maxFutureMs: 15 * 60_000,
        maxPastMs: 15 * 60_000,
        service: 's3',
      },
    )
    if (!result.ok) throw authError(result.code, result.message)
  }

  /** Every bucket (declared and created), with its creation time (else its directory's). */
  async #bucketNames(): Promise<{ name: string; created: number }[]> {
    const names: { name: string; created: number }[] = []
    for (const { name, createdAt } of this.#options.pipeline.bucketRegistry().list()) {
      const info =
        createdAt === undefined
          ? await stat(join(this.#options.lakeRoot, name)).catch(() => undefined)
          : undefined
      const created = createdAt ?? (info ? Math.min(info.birthtimeMs || info.mtimeMs, info.mtimeMs) : 0)
      names.push({ name, created })
    }
    return names
  }
}

export const lakeRootOf = (dataDir: string) => join(dataDir, 'lake')
