import { BindingError } from '../contracts/binding-error.ts'
import type { BindingCall, BindingHost } from '../contracts/functions.ts'
import { ServiceError } from '../stream/errors.ts'

/** Serves the binding calls of one service ('stream', 'table', ...). */
export type ServiceBindings = (call: BindingCall) => Promise<unknown>

/**
 * Routes each binding call to the service that owns the resource kind. `observe` sees every call
 * first, with the calling function (the pipeline runtime records which bindings each one uses).
 */
export class BindingRouter implements BindingHost {
  readonly #services: ReadonlyMap<string, ServiceBindings>
  readonly #observe: ((call: BindingCall) => void) | undefined

  /** `services` by name; a map is read at each call (services a later build step adds are found). */
  constructor(
    services: Record<string, ServiceBindings> | ReadonlyMap<string, ServiceBindings>,
    observe?: (call: BindingCall) => void,
  ) {
    this.#services = services instanceof Map ? services : new Map(Object.entries(services))
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
