import type { LazyClients } from './clients.ts'

/** One binding service on AWS: its methods by name, each taking the call's resource and args. */
export type AwsMethods = Readonly<
  Record<string, (ctx: AwsCallContext, resource: string, args: unknown[]) => Promise<unknown>>
>

export interface AwsCallContext {
  clients: LazyClients
  env: NodeJS.ProcessEnv
}

/** Bytes as given, strings as UTF-8, anything else as JSON (the bindings' rule for record data). */
export function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  return Buffer.from(JSON.stringify(data), 'utf8')
}

/** Strings travel as they are, anything else as JSON (messages and notifications). */
export function text(body: unknown): string {
  if (typeof body === 'string') return body
  if (body === undefined) return ''
  return JSON.stringify(body)
}

/** `{ k: 'v' }` as SQS and SNS message attributes of type String. */
export function stringAttributes(
  attributes: Record<string, string> | undefined,
): Record<string, { DataType: 'String'; StringValue: string }> | undefined {
  if (attributes === undefined) return undefined
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String' as const, StringValue: v }]),
  )
}
