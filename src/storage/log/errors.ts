/** Durable data failed its checksum (or framing) somewhere a torn write cannot explain. */
export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError'
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`corrupt log ${path} at byte ${offset}: ${reason}`)
  }
}

/**
 * The log cannot accept or serve records any more: it found corruption, or an fsync failed. After
 * a failed fsync the kernel may have dropped the dirty pages, so retrying it could report success
 * for data that is gone (PostgreSQL's "fsyncgate"); the only safe move is to stop and recover.
 */
export class LogFailedError extends Error {
  override readonly name = 'LogFailedError'
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message)
  }
}

/** The log was sealed (its shard closed by a reshard) or closed; it takes no more appends. */
export class LogSealedError extends Error {
  override readonly name = 'LogSealedError'
}
