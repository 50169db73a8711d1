import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { type FileHandle, mkdir, open, realpath, rename, rm, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ObjectWriter } from '../../contracts/objects.ts'
import { type Clock, systemClock } from '../../util/clock.ts'
import { crashPoint } from '../../util/crash-point.ts'
import { type Logger, stderrLogger } from '../../util/logger.ts'
import { DirSyncs, type StagedFile, syncDirs, TempFiles } from './durable-file.ts'
import { BucketConfigError, BucketError, invalidArgument, noSuchBucket, noSuchKey } from './errors.ts'
import { KeyLocks } from './key-locks.ts'
import { type ListObjectsOptions, listKeys } from './list-objects.ts'
import {
  checkExistingDirs,
  clearTarget,
  dirsToSync,
  ensureDirs,
  type KeyPath,
  keyPath,
  lstatOrUndefined,
} from './safe-path.ts'
import { DEFAULT_CONTENT_TYPE, headerValue, normalizeMetadata, readSidecar, type Sidecar } from './sidecar.ts'
import { migrateLegacySidecars, SIDECAR_DIR, sidecarKey } from './sidecar-layout.ts'
import type {
  ListObjectsResult,
  ObjectCreated,
  ObjectCreatedListener,
  ObjectHead,
  PutObjectOptions,
  StoredObject,
} from './types.ts'

export interface BucketStoreOptions {
  /** `<dataDir>/lake`: each bucket is the directory `<root>/<bucket>`. */
  root: string
  /** The declared bucket names; any other name is `NoSuchBucket`. */
  buckets: readonly string[]
  clock?: Clock
  /** fsync files and directories before a put or delete resolves (default true). */
  fsync?: boolean
  /** Where a throwing object-created listener is reported. */
  logger?: Logger
  /**
   * The error an injected fault fails a write to `bucket` with (docs/faults.md), or undefined.
   * Asked once per object write, after the bucket and key are checked.
   */
  writeFault?: (bucket: string) => BucketError | undefined
}

/** Bucket names as the pipeline schema allows them; never `.`-prefixed, so `.tmp`/`.sidecars` stay ours. */
const BUCKET_NAME = /^[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,127}$/
const TEMP = '.tmp'

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code

function toBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  throw invalidArgument('object body must be bytes or a string')
}

const MD5_HEX = /^[0-9a-f]{32}$/

/** The body's MD5 in hex: the caller's, when it computed one, else computed here. */
function md5Hex(bytes: Buffer, given: string | undefined): string {
  if (given === undefined) return createHash('md5').update(bytes).digest('hex')
  if (typeof given !== 'string' || !MD5_HEX.test(given))
    throw invalidArgument('md5 must be 32 lower-case hex digits')
  return given
}

async function md5Of(handle: FileHandle): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk)
  return `"${hash.digest('hex')}"`
}

/**
 * An S3-like object store on the local filesystem: object `key` of bucket `b` is the file
 * `<root>/b/<key>`, so DuckDB and other readers can glob the lake directly. Puts are atomic and
 * durable (temp file outside the bucket → fsync → rename → fsync directories) and announce
 * themselves to object-created listeners once durable. Keys are checked by {@link checkObjectKey}
 * and symbolic links are never followed. Open with {@link BucketStore.open}.
 *
 * @example
 * const store = await BucketStore.open({ root: join(dataDir, 'lake'), buckets: ['raw'] })
 * await store.putObject('raw', 'year=2026/a.json', Buffer.from('{}'), { contentType: 'application/json' })
 * const { body, etag } = await store.getObject('raw', 'year=2026/a.json')
 */
export class BucketStore implements ObjectWriter {
  readonly #root: string
  readonly #buckets: Set<string>
  readonly #clock: Clock
  readonly #fsync: boolean
  readonly #logger: Logger
  readonly #writeFault: BucketStoreOptions['writeFault']
  readonly #temp: TempFiles
  readonly #dirSyncs: DirSyncs
  readonly #locks = new KeyLocks()
  readonly #listeners = new Set<ObjectCreatedListener>()
  readonly #intents = new Set<ObjectCreatedListener>()
  readonly #removed = new Set<ObjectCreatedListener>()
  readonly #removeIntents = new Set<ObjectCreatedListener>()
  #sequence = 0n

  private constructor(root: string, options: BucketStoreOptions) {
    this.#root = root
    this.#buckets = new Set(options.buckets)
    this.#clock = options.clock ?? systemClock
    this.#fsync = options.fsync ?? true
    this.#logger = options.logger ?? stderrLogger
    this.#writeFault = options.writeFault
    this.#temp = new TempFiles(join(root, TEMP), this.#fsync)
    this.#dirSyncs = new DirSyncs(this.#fsync)
  }

  /**
   * Creates the root and bucket directories, removes temp files a crashed run left behind and
   * moves sidecars of the old layout to the current one (see sidecar-layout.ts).
   */
  static async open(options: BucketStoreOptions): Promise<BucketStore> {
    for (const name of options.buckets) {
      if (!BUCKET_NAME.test(name)) {
        throw new BucketConfigError(
          `bucket name '${name}' must be 1-128 characters of a-z A-Z 0-9 _ . - not starting with '.'`,
        )
      }
    }
    await mkdir(options.root, { recursive: true })
    const store = new BucketStore(await realpath(options.root), options)
    await store.#temp.open()
    await migrateLegacySidecars(store.#root, (name) => BUCKET_NAME.test(name), store.#fsync)
    for (const name of options.buckets) {
      const dir = join(store.#root, name)
      const stat = await lstatOrUndefined(dir)
      if (stat && !stat.isDirectory())
        throw new BucketConfigError(`bucket directory ${dir} is not a directory`)
      if (!stat) await mkdir(dir)
      await mkdir(join(store.#root, SIDECAR_DIR, name), { recursive: true })
    }
    await syncDirs([store.#root], store.#fsync)
    return store
  }

  /** The buckets, by name. */
  names(): string[] {
    return [...this.#buckets].sort()
  }

  /** Whether the store has the bucket. */
  has(bucket: string): boolean {
    return this.#buckets.has(bucket)
  }

  /** Adds a bucket: its directories created and synced (a bucket that exists is kept as it is). */
  async createBucket(name: string): Promise<void> {
    if (!BUCKET_NAME.test(name))
      throw new BucketError('InvalidBucketName', 'The specified bucket is not valid.')
    if (this.#buckets.has(name)) return
    await mkdir(join(this.#root, name), { recursive: true })
    await mkdir(join(this.#root, SIDECAR_DIR, name), { recursive: true })
    await syncDirs([this.#root, join(this.#root, SIDECAR_DIR)], this.#fsync)
    this.#buckets.add(name)
  }

  /** Removes an empty bucket (S3's BucketNotEmpty otherwise). */
  async deleteBucket(name: string): Promise<void> {
    if (!this.#buckets.has(name)) throw noSuchBucket(name)
    const { objects } = await this.listObjects(name, { maxKeys: 1 })
    if (objects.length > 0)
      throw new BucketError('BucketNotEmpty', 'The bucket you tried to delete is not empty')
    this.#buckets.delete(name)
    await rm(join(this.#root, name), { recursive: true, force: true })
    await rm(join(this.#root, SIDECAR_DIR, name), { recursive: true, force: true })
    await syncDirs([this.#root], this.#fsync)
  }

  /** The directory that holds a bucket's objects. */
  bucketDir(bucket: string): string {
    if (!this.#buckets.has(bucket)) throw noSuchBucket(bucket)
    return join(this.#root, bucket)
  }

  /**
   * Calls `listener` after every successful put (once the object is durable). Returns the
   * function that unsubscribes it.
   */
  onObjectCreated(listener: ObjectCreatedListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Calls `listener` for every put just before its object becomes visible (its bytes are durable
   * in temp files), with the event the put will announce. Whoever must not miss an announcement
   * records it here: a crash between the object appearing and the object-created listeners
   * running leaves that record behind. A throwing intent listener fails the put, and nothing is
   * visible. Returns the function that unsubscribes it.
   */
  onPutIntent(listener: ObjectCreatedListener): () => void {
    this.#intents.add(listener)
    return () => this.#intents.delete(listener)
  }

  /**
   * Calls `listener` after every delete that removed an object (once the removal is durable),
   * with an `ObjectRemoved:Delete` event. Returns the function that unsubscribes it.
   */
  onObjectRemoved(listener: ObjectCreatedListener): () => void {
    this.#removed.add(listener)
    return () => this.#removed.delete(listener)
  }

  /** As {@link onPutIntent}, for deletes: called just before an existing object is unlinked. */
  onRemoveIntent(listener: ObjectCreatedListener): () => void {
    this.#removeIntents.add(listener)
    return () => this.#removeIntents.delete(listener)
  }

  /** PutObject: atomically creates or replaces `key`. Resolves once data and sidecar are durable. */
  async putObject(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: PutObjectOptions = {},
  ): Promise<{ etag: string; size: number }> {
    const { data, meta } = this.#paths(bucket, key)
    const fault = this.#writeFault?.(bucket)
    if (fault) throw fault
    const bytes = toBuffer(body)
    const sidecar: Omit<Sidecar, 'ino' | 'mtimeNs' | 'lastModified'> = {
      v: 1,
      size: bytes.length,
      etag: options.etag ?? `"${md5Hex(bytes, options.md5)}"`,
      contentType: headerValue('contentType', options.contentType) ?? DEFAULT_CONTENT_TYPE,
      contentEncoding: headerValue('contentEncoding', options.contentEncoding),
      metadata: normalizeMetadata(options.metadata),
    }
    if (options.checksums && Object.keys(options.checksums).length > 0)
      sidecar.checksums = { ...options.checksums }
    const eventName = options.eventName ?? 'ObjectCreated:Put'
    const { precondition } = options
    const created = await this.#locks.run(`${bucket}/${key}`, async () => {
      if (precondition) precondition(await this.#headOrUndefined(bucket, key))
      return this.#put(data, meta, bytes, sidecar, { bucket, key }, eventName)
    })
    this.#emit(this.#listeners, created)
    return { etag: sidecar.etag, size: sidecar.size }
  }

  async #put(
    data: KeyPath,
    meta: KeyPath,
    bytes: Buffer,
    sidecar: Omit<Sidecar, 'ino' | 'mtimeNs' | 'lastModified'>,
    object: { bucket: string; key: string },
    eventName: ObjectCreated['eventName'],
  ): Promise<ObjectCreated> {
    // The key's folders and the sidecar's are separate trees: prepared side by side.
    const [createdDirs, createdMeta] = await Promise.all([
      ensureDirs(data, async () => 'conflict').then(async (created) => {
        await clearTarget(data)
        return created
      }),
      // The sidecar tree's folders are hash prefixes: a file standing where one is needed is not
      // a sidecar of any key, so it goes.
      ensureDirs(meta, async (dir) => {
        await unlink(dir)
        return 'removed'
      }).then(async (created) => {
        const metaStat = await lstatOrUndefined(meta.file)
        if (metaStat && !metaStat.isFile()) await rm(meta.file, { recursive: true, force: true })
        return created
      }),
    ])
    const tempData = await this.#temp.stage(bytes)
    let tempMeta: StagedFile | undefined
    let renamed = false
    try {
      const lastModified = this.#clock.now()
      const record: Sidecar = { ...sidecar, ino: tempData.ino, mtimeNs: tempData.mtimeNs, lastModified }
      tempMeta = await this.#temp.stage(Buffer.from(JSON.stringify(record)))
      // Both files' fsyncs at once, on the thread pool.
      await Promise.all([tempData.settle(), tempMeta.settle()])
      const created: ObjectCreated = {
        ...object,
        size: sidecar.size,
        etag: sidecar.etag,
        eventName,
        eventTime: lastModified,
        sequencer: this.#nextSequencer(lastModified),
      }
      crashPoint('lake.temp-written')
      for (const intent of this.#intents) intent(created)
      // Sidecar first: if we crash before the data rename, the sidecar names an inode that is not
      // at the data path and readers ignore it.
      await rename(tempMeta.path, meta.file)
      await rename(tempData.path, data.file)
      renamed = true
      crashPoint('lake.renamed')
      await this.#dirSyncs.sync([
        ...dirsToSync(meta.file, createdMeta),
        ...dirsToSync(data.file, createdDirs),
      ])
      return created
    } finally {
      if (!renamed) {
        await tempData.settle().catch(() => undefined)
        await tempMeta?.settle().catch(() => undefined)
        await rm(tempData.path, { force: true })
        if (tempMeta) await rm(tempMeta.path, { force: true })
      }
    }
  }

  /** GetObject: the bytes and what HeadObject reports. `NoSuchKey` when absent. */
  async getObject(bucket: string, key: string): Promise<StoredObject> {
    return this.#read(bucket, key, true) as Promise<StoredObject>
  }

  /** HeadObject: size, ETag, content type and encoding, user metadata, last modified. */
  async headObject(bucket: string, key: string): Promise<ObjectHead> {
    return this.#read(bucket, key, false)
  }

  async #headOrUndefined(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      return await this.headObject(bucket, key)
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined
      throw error
    }
  }

  async #read(bucket: string, key: string, withBody: boolean): Promise<ObjectHead | StoredObject> {
    const { data, meta } = this.#paths(bucket, key)
    if (!(await checkExistingDirs(data))) throw noSuchKey()
    let handle: FileHandle
    try {
      handle = await open(data.file, constants.O_RDONLY | constants.O_NOFOLLOW)
    } catch (error) {
      if (errno(error) === 'ELOOP') {
        throw invalidArgument(
          'Object key refused: it is a symbolic link, which the bucket store never follows',
        )
      }
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') throw noSuchKey()
      throw error
    }
    try {
      const stat = await handle.stat({ bigint: true })
      if (!stat.isFile()) throw noSuchKey()
      const size = Number(stat.size)
      const body = withBody ? await handle.readFile() : undefined
      const sidecar = (await checkExistingDirs(meta)) ? await readSidecar(meta.file) : undefined
      const valid =
        sidecar !== undefined &&
        sidecar.ino === stat.ino.toString() &&
        sidecar.mtimeNs === stat.mtimeNs.toString() &&
        sidecar.size === size
      const head: ObjectHead = valid
        ? {
            key,
            size,
            etag: sidecar.etag,
            contentType: sidecar.contentType,
            contentEncoding: sidecar.contentEncoding,
            metadata: sidecar.metadata,
            lastModified: sidecar.lastModified,
            ...(sidecar.checksums ? { checksums: sidecar.checksums } : {}),
          }
        : {
            key,
            size,
            etag: body ? `"${createHash('md5').update(body).digest('hex')}"` : await md5Of(handle),
            contentType: DEFAULT_CONTENT_TYPE,
            metadata: {},
            lastModified: Number(stat.mtimeMs),
          }
      if (head.contentEncoding === undefined) delete head.contentEncoding
      return body ? { ...head, body } : head
    } finally {
      await handle.close()
    }
  }

  /** DeleteObject: removes `key` if present. Deleting a missing key succeeds, as in S3. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    const { data, meta } = this.#paths(bucket, key)
    const removed = await this.#locks.run(`${bucket}/${key}`, async () => {
      if (!(await checkExistingDirs(data))) return undefined
      const stat = await lstatOrUndefined(data.file)
      if (!stat || stat.isDirectory()) return undefined
      if (stat.isSymbolicLink()) {
        throw invalidArgument(
          'Object key refused: it is a symbolic link, which the bucket store never follows',
        )
      }
      const now = this.#clock.now()
      const event: ObjectCreated = {
        bucket,
        key,
        size: 0,
        etag: '',
        eventName: 'ObjectRemoved:Delete',
        eventTime: now,
        sequencer: this.#nextSequencer(now),
      }
      for (const intent of this.#removeIntents) intent(event)
      await unlink(data.file)
      const dirs = [dirname(data.file)]
      if (await checkExistingDirs(meta)) {
        await rm(meta.file, { force: true })
        dirs.push(dirname(meta.file))
      }
      await this.#dirSyncs.sync(dirs)
      return event
    })
    if (removed) this.#emit(this.#removed, removed)
  }

  /**
   * ListObjectsV2: keys in UTF-8 byte order, `commonPrefixes` when a delimiter is given, at most
   * `maxKeys` (≤ 1000) entries per page and a `nextContinuationToken` while `isTruncated`.
   */
  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsResult> {
    const page = await listKeys(this.bucketDir(bucket), options)
    const objects = []
    for (const key of page.keys) {
      try {
        const head = await this.headObject(bucket, key)
        objects.push({ key, size: head.size, etag: head.etag, lastModified: head.lastModified })
      } catch (error) {
        // Deleted between the listing and the head: S3 would not have listed it either.
        if (!(error instanceof Error && error.name === 'NoSuchKey')) throw error
      }
    }
    const result: ListObjectsResult = {
      objects,
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      keyCount: objects.length + page.commonPrefixes.length,
    }
    if (page.nextContinuationToken) result.nextContinuationToken = page.nextContinuationToken
    return result
  }

  #paths(bucket: string, key: string): { data: KeyPath; meta: KeyPath } {
    const data = keyPath(this.bucketDir(bucket), key)
    const meta = keyPath(join(this.#root, SIDECAR_DIR, bucket), sidecarKey(key))
    return { data, meta }
  }

  /** S3's sequencer: a hex string that increases with every event of the store. */
  #nextSequencer(now: number): string {
    const fromClock = BigInt(Math.max(0, Math.floor(now))) << 16n
    this.#sequence = fromClock > this.#sequence ? fromClock : this.#sequence + 1n
    return this.#sequence.toString(16).toUpperCase().padStart(18, '0')
  }

  #emit(listeners: ReadonlySet<ObjectCreatedListener>, event: ObjectCreated): void {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        // The object is already durable: a failing listener must not turn the put into an error.
        this.#logger.error(
          `${event.eventName.startsWith('ObjectRemoved') ? 'object-removed' : 'object-created'} listener failed for ${event.bucket}/${event.key}: ${String(error)}`,
        )
      }
    }
  }
}
