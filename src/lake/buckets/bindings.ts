import type { BindingCall } from '../../contracts/functions.ts'
import type { BucketStore } from './bucket-store.ts'
import { BucketError, invalidArgument, noSuchBucket } from './errors.ts'
import type { ListObjectsOptions } from './list-objects.ts'
import type { ObjectHead, PutObjectOptions } from './types.ts'

type Method = (store: BucketStore, bucket: string, args: unknown[]) => Promise<unknown>

/** The body as bytes, and the content type it implies when the handler names none. */
function encodeBody(body: unknown): { bytes: Uint8Array; contentType: string } {
  if (body instanceof Uint8Array) return { bytes: body, contentType: 'binary/octet-stream' }
  if (typeof body === 'string')
    return { bytes: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' }
  if (body === undefined || typeof body === 'function' || typeof body === 'symbol') {
    throw invalidArgument('object body must be a string, bytes or JSON-serializable data')
  }
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' }
}

function putOptions(options: unknown): PutObjectOptions {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument('put options must be an object: { contentType?, contentEncoding?, metadata? }')
  }
  const { contentType, contentEncoding, metadata, ...rest } = options as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw invalidArgument(`unknown put option '${unknown[0]}'`)
  return { contentType, contentEncoding, metadata } as PutObjectOptions
}

// Dates cross the worker boundary by structured clone, like the SDK's LastModified.
const headOut = ({ key, size, etag, contentType, contentEncoding, metadata, lastModified }: ObjectHead) => ({
  key,
  size,
  etag,
  contentType,
  ...(contentEncoding === undefined ? {} : { contentEncoding }),
  metadata,
  lastModified: new Date(lastModified),
})

const keyArg = (key: unknown) => key as string

/** The handler-facing `bucket(name)` methods (tributary-pipeline/bindings), by name. */
const METHODS: Readonly<Record<string, Method>> = {
  put: async (store, bucket, [key, body, options]) => {
    const { bytes, contentType } = encodeBody(body)
    const opts = putOptions(options)
    return store.putObject(bucket, keyArg(key), bytes, {
      ...opts,
      contentType: opts.contentType ?? contentType,
    })
  },
  get: async (store, bucket, [key]) => {
    const object = await store.getObject(bucket, keyArg(key))
    const body = new Uint8Array(object.body.buffer, object.body.byteOffset, object.body.byteLength)
    return { ...headOut(object), body }
  },
  head: async (store, bucket, [key]) => headOut(await store.headObject(bucket, keyArg(key))),
  delete: async (store, bucket, [key]) => {
    await store.deleteObject(bucket, keyArg(key))
  },
  list: async (store, bucket, [options]) => {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidArgument('list options must be an object')
    }
    const page = await store.listObjects(bucket, (options ?? {}) as ListObjectsOptions)
    return { ...page, objects: page.objects.map((o) => ({ ...o, lastModified: new Date(o.lastModified) })) }
  },
}

/**
 * Serves `bucket(name)` binding calls from handlers. Results are structured-clone-able (bodies
 * as `Uint8Array`, dates as `Date`) and errors carry S3's error code as their `name`
 * (`NoSuchKey`, `NoSuchBucket`, `InvalidArgument`, ...).
 *
 * @example
 * const serveBucket = createBucketBindings(store)
 * await serveBucket({ service: 'bucket', resource: 'raw', method: 'get', args: ['a.json'] })
 */
export function createBucketBindings(store: BucketStore): (call: BindingCall) => Promise<unknown> {
  return async (call) => {
    if (call.service !== 'bucket') {
      throw new BucketError('NotImplemented', `service '${call.service}' is not a bucket binding`)
    }
    const method = Object.hasOwn(METHODS, call.method) ? METHODS[call.method] : undefined
    if (!method) throw new BucketError('NotImplemented', `buckets have no method '${call.method}'`)
    if (typeof call.resource !== 'string') throw noSuchBucket(String(call.resource))
    store.bucketDir(call.resource)
    return method(store, call.resource, Array.isArray(call.args) ? call.args : [])
  }
}
