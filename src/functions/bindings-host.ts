import { BindingError } from '../contracts/binding-error.ts'
import type { BindingCall, BindingHost } from '../contracts/functions.ts'
import { ServiceError } from '../stream/errors.ts'

/** Serves the binding calls of one service ('stream', 'table', ...). */
export type ServiceBindings = (call: BindingCall) => Promise<unknown>

/**
 * Routes each binding call to the service that owns the resource kind. `observe` sees every call
 * first, with the calling function (the pipeline runtime records which bindings each one uses).
 * `durable`, when given, is awaited before each answer goes back to the handler: table and queue
 * writes are group committed (`StateStore.commitRelaxed`), and a call that returned to handler
 * code has been fsynced, as an acknowledged AWS write is durable. It may return nothing for calls
 * that write nothing there (records on streams are acknowledged by the stream itself).
 */
export class BindingRouter implements BindingHost {
  readonly #services: ReadonlyMap<string, ServiceBindings>
  readonly #observe: ((call: BindingCall) => void) | undefined
  readonly #durable: ((call: BindingCall) => Promise<void> | undefined) | undefined

  /** `services` by name; a map is read at each call (services a later build step adds are found). */
  constructor(
    services: Record<string, ServiceBindings> | ReadonlyMap<string, ServiceBindings>,
    observe?: (call: BindingCall) => void,
    durable?: (call: BindingCall) => Promise<void> | undefined,
  ) {
    this.#services = services instanceof Map ? services : new Map(Object.entries(services))
    this.#observe = observe
    this.#durable = durable
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
    } finally {
      await this.#durable?.(call)
    }
  }
}
