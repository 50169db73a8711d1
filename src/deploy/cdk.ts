/**
 * The AWS CDK packages, loaded on first use: aws-cdk-lib is 160 MB and only `tributary synth`,
 * `diff`, `deploy` and `destroy` need it (they are optional dependencies: `npm ci` installs them,
 * `npm install --omit=optional` leaves them out).
 */

/** A CDK package is not installed: the message says what to install. */
export class MissingCdkError extends Error {
  override readonly name = 'MissingCdkError'
  constructor(
    readonly command: string,
    readonly packages: readonly string[],
  ) {
    super(`tributary ${command} needs ${packages[0]}: npm install --save-dev ${packages.join(' ')}`)
  }
}

function missing(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

/** Loads a module that needs aws-cdk-lib, or throws {@link MissingCdkError} when it is not installed. */
export async function withCdk<T>(
  command: string,
  load: () => Promise<T>,
  packages: readonly string[] = ['aws-cdk-lib', 'constructs', 'cdk-nag'],
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (missing(error)) throw new MissingCdkError(command, packages)
    throw error
  }
}
