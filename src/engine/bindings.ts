import { BindingError } from '../contracts/binding-error.ts'
import type { BindingCall } from '../contracts/functions.ts'
import type { StreamEngine } from './engine.ts'
import { putRecords } from './records.ts'

function toBase64(data: unknown): string {
  if (data instanceof Uint8Array)
    return Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64')
  if (typeof data === 'string') return Buffer.from(data, 'utf8').toString('base64')
  if (data === undefined) throw new BindingError('ValidationException', 'record data is required')
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64')
}

interface PutInput {
  data: unknown
  partitionKey: unknown
  explicitHashKey?: unknown
}

function entry(input: PutInput, limit: number) {
  const key = input.partitionKey
  if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
    throw new BindingError('ValidationException', 'partitionKey must be a string of 1 to 256 characters')
  }
  const ehk = input.explicitHashKey
  if (ehk !== undefined && (typeof ehk !== 'string' || !/^(0|[1-9]\d{0,38})$/.test(ehk))) {
    throw new BindingError('ValidationException', 'explicitHashKey must be a decimal string')
  }
  const data = toBase64(input.data)
  const size = Math.floor((data.length * 3) / 4) + Buffer.byteLength(key)
  if (size > limit)
    throw new BindingError(
      'ValidationException',
      `record of ${size} bytes is over the stream's ${limit}-byte limit`,
    )
  return { partitionKey: key, explicitHashKey: ehk as string | undefined, data }
}

/** `stream(name).put / putMany`: the engine publishes IncomingRecords for them as for API puts. */
export function streamBindings(engine: StreamEngine): (call: BindingCall) => Promise<unknown> {
  return async ({ resource, method, args }) => {
    const stream = engine.writableStream(resource)
    const limit = stream.state.maxRecordSizeKiB * 1024
    if (method === 'put') {
      const [data, options] = args as [
        unknown,
        { partitionKey?: unknown; explicitHashKey?: unknown } | undefined,
      ]
      const input: PutInput = {
        data,
        partitionKey: options?.partitionKey,
        explicitHashKey: options?.explicitHashKey,
      }
      const result = await putRecords(engine, resource, [entry(input, limit)])
      const o = result.outcomes[0]!
      if (!o.ok) throw new BindingError(o.errorCode, o.errorMessage)
      return { shardId: o.shardId, sequenceNumber: o.sequenceNumber }
    }
    if (method === 'putMany') {
      const records = args[0]
      if (!Array.isArray(records) || records.length < 1 || records.length > 500) {
        throw new BindingError('ValidationException', 'putMany takes 1 to 500 records')
      }
      const result = await putRecords(
        engine,
        resource,
        records.map((r: PutInput) => entry(r, limit)),
      )
      let failed = 0
      const out = result.outcomes.map((o) => {
        if (o.ok) return { shardId: o.shardId, sequenceNumber: o.sequenceNumber }
        failed++
        return { errorCode: o.errorCode, errorMessage: o.errorMessage }
      })
      return { failedRecordCount: failed, records: out }
    }
    throw new BindingError('ValidationException', `stream bindings have no method '${method}'`)
  }
}
