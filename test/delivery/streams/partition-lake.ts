import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { filesUnder } from '../../helpers/files.ts'

/** Shard 0 and shard 1 of a two-shard stream, by explicit hash key. */
export const SHARD_HASH_KEYS = ['0', String(2n ** 128n - 1n)] as const

/** `count` records `{ value }` from `from`, routed to one shard. */
export function valueEntries(from: number, count: number, shard: 0 | 1) {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: `v${from + i}`,
    explicitHashKey: SHARD_HASH_KEYS[shard],
    data: Buffer.from(JSON.stringify({ value: `v${from + i}` })),
  }))
}

/** What the `byValue` delivery left in the bucket: values written, error lines, file names. */
export async function readPartitionLake(bucketDir: string) {
  const all = await filesUnder(bucketDir)
  const data = all.filter((f) => f.startsWith('by-value/'))
  const errorFiles = all.filter((f) => f.startsWith('errors/partitioning-failed/'))
  const written: string[] = []
  for (const f of data) {
    for (const line of (await readFile(join(bucketDir, f), 'utf8')).split('\n').filter(Boolean))
      written.push(JSON.parse(line).value)
  }
  const errors: { errorCode: string; errorMessage: string; value: string }[] = []
  for (const f of errorFiles) {
    for (const line of (await readFile(join(bucketDir, f), 'utf8')).split('\n').filter(Boolean)) {
      const envelope = JSON.parse(line)
      errors.push({
        errorCode: envelope.errorCode,
        errorMessage: envelope.errorMessage,
        value: JSON.parse(Buffer.from(envelope.rawData, 'base64').toString()).value,
      })
    }
  }
  return { all, data, errorFiles, written, errors }
}
