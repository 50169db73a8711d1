import type { BindingCall, BindingHost } from '../contracts/functions.ts'
import type { StreamEngine } from '../engine/engine.ts'
import { putRecords } from '../engine/records.ts'
import { ServiceError } from '../stream/errors.ts'

/** Serves the binding calls of one service ('stream', 'table', ...). */
export type ServiceBindings = (call: BindingCall) => Promise<unknown>

/** An error a handler can catch by name (`ResourceNotFoundException`, `ValidationException`, ...). */
export class BindingError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

/**
 * Routes each binding call to the service that owns the resource kind. `observe` sees every call
 * first, with the calling function (the pipeline runtime records which bindings each one uses).
 */
export class BindingRouter implements BindingHost {
  readonly #services: Map<string, ServiceBindings>
  readonly #observe: ((call: BindingCall) => void) | undefined

  constructor(services: Record<string, ServiceBindings>, observe?: (call: BindingCall) => void) {
    this.#services = new Map(Object.entries(services))
    this.#observe = observe
  }

  async call(call: BindingCall): Promise<unknown> {
    const service = this.#services.get(call.service)
    if (!service)
      throw new BindingError('ValidationException', `no '${call.service}' resources in this pipeline`)
    this.#observe?.(call)
    try {
      return await service(call)
    } catch (error) {
      // Engine errors carry AWS's exception name as their code: hand that to the handler.
      if (error instanceof ServiceError) throw new BindingError(error.code, error.message)
      throw error
    }
  }
}

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
export function streamBindings(engine: StreamEngine): ServiceBindings {
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
