import type { BucketStore } from '../lake/buckets/index.ts'
import { decodeRows, decompress, type LakeRow } from './decode.ts'

/**
 * The pipeline's buckets as a test reads them: keys, bytes, text, JSON and rows, through the same
 * store handlers and deliveries write to (never the files under the data directory directly, so
 * temp files and metadata sidecars never show up).
 *
 * @example
 * const keys = await p.lake.keys('lake', 'events/')
 * const rows = await p.lake.rowsUnder('lake', 'events/') // every NDJSON/gzip/Parquet row, in key order
 */
export class LakeInspector {
  readonly #buckets: () => BucketStore

  /** `buckets` is read on every call: a reconfigured pipeline has a new store. */
  constructor(buckets: () => BucketStore) {
    this.#buckets = buckets
  }

  /**
   * Every key in `bucket` (under `prefix`), sorted as S3 lists them.
   *
   * @example
   * expect(await p.lake.keys('processed', 'events/click/')).toHaveLength(1)
   */
  async keys(bucket: string, prefix = ''): Promise<string[]> {
    const keys: string[] = []
    let continuationToken: string | undefined
    do {
      const page = await this.#buckets().listObjects(bucket, { prefix, continuationToken })
      for (const o of page.objects) keys.push(o.key)
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined
    } while (continuationToken)
    return keys
  }

  /**
   * An object's bytes as stored (compressed if it was written compressed).
   *
   * @example
   * const body = await p.lake.read('lake', key)
   */
  async read(bucket: string, key: string): Promise<Buffer> {
    return (await this.#buckets().getObject(bucket, key)).body
  }

  /**
   * An object's text, its compression undone (`.gz`, `.zip`, `.snappy`, `.hsnappy`, or a gzip body).
   *
   * @example
   * expect(await p.lake.text('lake', 'errors/part-1.gz')).toContain('"errorCode"')
   */
  async text(bucket: string, key: string): Promise<string> {
    return decompress(key, await this.read(bucket, key)).toString('utf8')
  }

  /**
   * An object holding one JSON document (what a handler's `bucket(...).put(key, value)` wrote).
   *
   * @example
   * expect(await p.lake.json('processed', `events/click/${seq}.json`)).toMatchObject({ type: 'click' })
   */
  async json<T = unknown>(bucket: string, key: string): Promise<T> {
    return JSON.parse(await this.text(bucket, key)) as T
  }

  /**
   * The rows of one object: each line of NDJSON (compressed or not) parsed, or each Parquet row.
   *
   * @example
   * const rows = await p.lake.rows('lake', key)
   * expect(rows[0]).toMatchObject({ device: 'd-1' })
   */
  async rows<T = LakeRow>(bucket: string, key: string): Promise<T[]> {
    return (await decodeRows(key, await this.read(bucket, key))) as T[]
  }

  /**
   * The rows of every object under `prefix`, object after object in key order.
   *
   * @example
   * expect(await p.lake.rowsUnder('archive', 'events/')).toHaveLength(50)
   */
  async rowsUnder<T = LakeRow>(bucket: string, prefix = ''): Promise<T[]> {
    const rows: T[] = []
    for (const key of await this.keys(bucket, prefix)) rows.push(...(await this.rows<T>(bucket, key)))
    return rows
  }

  /**
   * Writes an object as S3's PutObject would: durable, and announced to the bucket's event
   * notifications (an S3-triggered function runs).
   *
   * @example
   * await p.lake.put('inbox', 'orders/1.json', JSON.stringify({ id: 1 }))
   * await p.settle()
   */
  async put(bucket: string, key: string, body: Uint8Array | string): Promise<void> {
    await this.#buckets().putObject(bucket, key, body)
  }
}

export type { LakeRow }
