import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import type { BindingCall, BindingHost, FunctionLog, FunctionSpec } from '../../../src/contracts/functions.ts'
import { FunctionPool, type FunctionPoolOptions } from '../../../src/functions/workers/pool.ts'

/** Absolute path of a fixture handler in test/fixtures/handlers. */
export function fixture(file: string): string {
  return fileURLToPath(new URL(`../../fixtures/handlers/${file}`, import.meta.url))
}

/** A function spec for a fixture handler (or an absolute path), with Lambda's defaults. */
export function spec(name: string, file: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    file: file.startsWith('/') ? file : fixture(file),
    exportName: 'handler',
    timeoutMs: 3000,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
    ...overrides,
  }
}

/** A BindingHost that fails: for pools whose handlers never call bindings. */
export const noBindings: BindingHost = {
  call: (call) => Promise.reject(new Error(`unexpected binding call ${call.service}.${call.method}`)),
}

/** A pool closed after the test, whatever the test did. */
export function pool(options: Partial<FunctionPoolOptions> & Pick<FunctionPoolOptions, 'functions'>) {
  const p = new FunctionPool({ bindings: noBindings, ...options })
  onTestFinished(() => p.close())
  return p
}

/** Collects the logs a pool delivers. */
export function logCollector() {
  const logs: FunctionLog[] = []
  return { logs, onLog: (log: FunctionLog) => logs.push(log) }
}

interface HeldCall {
  call: BindingCall
  resolve(value: unknown): void
  reject(error: Error): void
}

/**
 * A BindingHost that holds every call until the test answers it: lets a test keep invocations in
 * flight, without sleeping, for exactly as long as it needs.
 */
export function gateHost() {
  const held: HeldCall[] = []
  let wanted: { count: number; resolve: () => void } | undefined
  const host: BindingHost = {
    call(call) {
      return new Promise((resolve, reject) => {
        held.push({ call, resolve, reject })
        if (wanted && held.length >= wanted.count) wanted.resolve()
      })
    },
  }
  return {
    host,
    held,
    /** Resolves once `count` calls are being held. */
    waitForCalls(count: number): Promise<void> {
      if (held.length >= count) return Promise.resolve()
      return new Promise((resolve) => {
        wanted = { count, resolve }
      })
    },
    releaseAll(value: unknown = { messageId: 'm' }) {
      for (const h of held.splice(0)) h.resolve(value)
    },
  }
}
