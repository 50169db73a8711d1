import { onTestFinished } from 'vitest'
import { setBindingTransport } from '../../src/bindings/index.ts'
import type { BindingCall } from '../../src/contracts/functions.ts'

/**
 * Installs a binding transport like the worker's, for the rest of the test: arguments and results
 * cross a structured clone, and an error comes back as a fresh Error carrying only `name` and
 * `message`.
 */
export function installHost(serve: (call: BindingCall) => Promise<unknown>): void {
  setBindingTransport({
    async call(service, resource, method, args) {
      try {
        return structuredClone(await serve({ service, resource, method, args: structuredClone(args) }))
      } catch (e) {
        const copy = new Error((e as Error).message)
        copy.name = (e as Error).name
        throw copy
      }
    },
  })
  onTestFinished(() => setBindingTransport(undefined))
}
