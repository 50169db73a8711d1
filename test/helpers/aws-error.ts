/**
 * The error an AWS SDK v3 call fails with, as tests compare it: its name (the modelled exception or
 * error code), message and HTTP status. Throws when the call succeeds.
 */
export async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined
  if (!error) throw new Error('expected the call to fail')
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode }
}
