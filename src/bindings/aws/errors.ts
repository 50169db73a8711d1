import { type BindingKind, bindingEnvName } from '../aws-env.ts'

/**
 * An error a handler can catch by name, as the local bindings throw them: `name` is the AWS
 * exception (`ConditionalCheckFailedException`, `NoSuchKey`, ...), the SDK's error is the `cause`.
 */
export class AwsBindingError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = name
  }
}

/** A binding whose physical resource the function's environment does not name. */
export class BindingNotConfiguredError extends Error {
  override readonly name = 'BindingNotConfiguredError'
  constructor(
    readonly kind: BindingKind,
    readonly resource: string,
    readonly variable: string,
  ) {
    super(
      `${kind}('${resource}') has no AWS resource: ${variable} is not set. ` +
        `Declare { ${kind}: '${resource}' } in the function's reads or writes so the deployment sets it`,
    )
  }
}

/** The physical name / URL / ARN of `kind(name)` from the environment (see aws-env.ts). */
export function physicalName(kind: BindingKind, name: string, env: NodeJS.ProcessEnv): string {
  const variable = bindingEnvName(kind, name)
  const value = env[variable]
  if (!value) throw new BindingNotConfiguredError(kind, name, variable)
  return value
}

/**
 * Runs one SDK call, turning its exception into an {@link AwsBindingError} with the same name
 * and message (so errors look alike on both transports: a name and a message, nothing bound to the
 * SDK's classes). `rename` maps exception names that differ from the local bindings' names.
 */
export async function sdkCall<T>(call: () => Promise<T>, rename: Record<string, string> = {}): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object') {
      const name = Object.hasOwn(rename, error.name) ? rename[error.name]! : error.name
      throw new AwsBindingError(name, error.message, { cause: error })
    }
    throw error
  }
}

/** A wrong argument caught before any request (the local bindings' message and name). */
export function invalid(name: string, message: string): AwsBindingError {
  return new AwsBindingError(name, message)
}
