import fs from 'node:fs'

/**
 * The file operations the log needs, behind one seam so tests can inject faults (a failing fsync,
 * a full disk) without mocking the rest of the storage engine. The default is plain `node:fs`.
 */
export interface LogIo {
  open(path: string, flags: string): Promise<number>
  close(fd: number): Promise<void>
  writev(fd: number, buffers: Buffer[], position: number): Promise<number>
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number>
  fdatasync(fd: number): Promise<void>
  ftruncate(fd: number, length: number): Promise<void>
  fsyncDirectory(path: string): Promise<void>
}

function callback<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: NodeJS.ErrnoException | null, value?: T) => (error ? reject(error) : resolve(value as T))
}

export const nodeLogIo: LogIo = {
  open: (path, flags) =>
    new Promise((resolve, reject) => fs.open(path, flags, 0o644, callback(resolve, reject))),
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, callback(resolve, reject))),
  writev: (fd, buffers, position) =>
    new Promise((resolve, reject) => fs.writev(fd, buffers, position, callback(resolve, reject))),
  read: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.read(fd, buffer, offset, length, position, callback(resolve, reject)),
    ),
  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, callback(resolve, reject))),
  ftruncate: (fd, length) =>
    new Promise((resolve, reject) => fs.ftruncate(fd, length, callback(resolve, reject))),
  fsyncDirectory: async (path) => {
    // A new or renamed file is only durable once its directory entry is: fsync(2) on the file
    // alone does not cover that.
    const fd = await nodeLogIo.open(path, 'r')
    try {
      await nodeLogIo.fdatasync(fd)
    } finally {
      await nodeLogIo.close(fd)
    }
  },
}

/**
 * {@link nodeLogIo} with `writev` and `read` done on the calling thread (errors still arrive as
 * rejections): for small writes and for reads of bytes written moments ago, page-cache copies of
 * microseconds, where a round trip through libuv's thread pool costs two thread wake-ups and can
 * queue behind other shards' fsyncs. The log chooses when (shard-log.ts, WRITE_NOW_MAX).
 */
export const nodeLogIoNow: LogIo = {
  ...nodeLogIo,
  writev: (fd, buffers, position) => {
    try {
      return Promise.resolve(fs.writevSync(fd, buffers, position))
    } catch (error) {
      return Promise.reject(error)
    }
  },
  read: (fd, buffer, offset, length, position) => {
    try {
      return Promise.resolve(fs.readSync(fd, buffer, offset, length, position))
    } catch (error) {
      return Promise.reject(error)
    }
  },
}

/** Writes every byte of `buffers` at `position`, looping over short writes. */
export async function writeFully(io: LogIo, fd: number, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers
  let at = position
  let remaining = pending.reduce((n, b) => n + b.length, 0)
  while (remaining > 0) {
    const written = await io.writev(fd, pending, at)
    at += written
    remaining -= written
    if (remaining === 0) return
    let skip = written
    const rest: Buffer[] = []
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length
        continue
      }
      rest.push(skip > 0 ? b.subarray(skip) : b)
      skip = 0
    }
    pending = rest
  }
}

/** Reads exactly `length` bytes unless the file ends first; returns the bytes read. */
export async function readFully(
  io: LogIo,
  fd: number,
  buffer: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let total = 0
  while (total < length) {
    const n = await io.read(fd, buffer, total, length - total, position + total)
    if (n === 0) break
    total += n
  }
  return total
}
