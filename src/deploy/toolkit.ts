import {
  BaseCredentials,
  type IoMessage,
  type IoRequest,
  NonInteractiveIoHost,
  StackSelectionStrategy,
  Toolkit,
} from '@aws-cdk/toolkit-lib'

/** `--require-approval`, as the CDK CLI spells it. */
export const REQUIRE_APPROVAL = ['never', 'any-change', 'broadening'] as const
export type RequireApproval = (typeof REQUIRE_APPROVAL)[number]

export interface AwsTarget {
  /** A profile of ~/.aws/config (else AWS_PROFILE, else the default chain). */
  profile?: string
  /** The region (else AWS_REGION, else the profile's). */
  region?: string
}

/** No credentials, no region: AWS cannot be reached as configured. One line, and a hint. */
export class AwsAccessError extends Error {
  override readonly name = 'AwsAccessError'
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message)
  }
}

/** The longest the credential chain may take to answer (instance metadata can hang). */
export const CREDENTIALS_TIMEOUT_MS = 15_000

/**
 * Resolves credentials as the AWS CLI does (environment, profile, SSO, instance roles) before
 * anything slow starts, so a machine without them fails in seconds with one line.
 */
export async function checkCredentials(target: AwsTarget): Promise<void> {
  const provider = BaseCredentials.awsCliCompatible({
    ...(target.profile !== undefined ? { profile: target.profile } : {}),
    ...(target.region !== undefined ? { defaultRegion: target.region } : {}),
  })
  const host = new NonInteractiveIoHost({ logLevel: 'error' })
  const actionHost = {
    notify: (msg: Omit<IoMessage<unknown>, 'action'>) => host.notify({ ...msg, action: 'deploy' }),
    requestResponse: <T>(msg: Omit<IoRequest<unknown, T>, 'action'>) =>
      host.requestResponse({ ...msg, action: 'deploy' }),
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from the credential chain in ${CREDENTIALS_TIMEOUT_MS / 1000} s`)),
      CREDENTIALS_TIMEOUT_MS,
    )
  })
  try {
    const config = await Promise.race([
      provider.sdkBaseConfig(actionHost, {
        requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
      }),
      timeout,
    ])
    await Promise.race([config.credentialProvider(), timeout])
    if (target.region === undefined && config.defaultRegion === undefined && !process.env.AWS_REGION)
      throw new AwsAccessError(
        'no AWS region',
        'pass --region <region>, set AWS_REGION, or give the profile a region (aws configure)',
      )
  } catch (error) {
    if (error instanceof AwsAccessError) throw error
    const why = ((error as Error).message ?? String(error)).split('\n')[0]
    throw new AwsAccessError(
      `no AWS credentials: ${why}`,
      'configure them (aws configure, aws sso login, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or pass --profile',
    )
  } finally {
    clearTimeout(timer)
  }
}

/** The toolkit for a cloud assembly directory: progress printed, approvals as `--require-approval` says. */
export function toolkitFor(
  target: AwsTarget,
  requireApproval: RequireApproval,
  confirm: (question: string) => Promise<boolean>,
): Toolkit {
  return new Toolkit({
    ioHost: new ApprovingIoHost(requireApproval, confirm),
    sdkConfig: {
      baseCredentials: BaseCredentials.awsCliCompatible({
        ...(target.profile !== undefined ? { profile: target.profile } : {}),
        ...(target.region !== undefined ? { defaultRegion: target.region } : {}),
      }),
    },
  })
}

export const ALL_STACKS = { strategy: StackSelectionStrategy.ALL_STACKS }

/**
 * Prints the toolkit's progress as the CDK CLI does and answers its questions: a deployment that
 * changes permissions (`broadening`) or anything (`any-change`) is confirmed first.
 */
class ApprovingIoHost extends NonInteractiveIoHost {
  constructor(
    readonly requireApproval: RequireApproval,
    readonly confirm: (question: string) => Promise<boolean>,
  ) {
    super({ logLevel: 'info' })
  }

  override async requestResponse<D, R>(msg: IoRequest<D, R>): Promise<R> {
    // I7010: destroy's "are you sure".
    if (msg.code === 'CDK_TOOLKIT_I7010')
      return (this.requireApproval === 'never' ? true : await this.confirm(`${msg.message} (y/N) `)) as R
    if (msg.code === 'CDK_TOOLKIT_I5060') {
      const data = msg.data as { permissionChangeType?: string }
      const ask =
        this.requireApproval === 'any-change' ||
        (this.requireApproval === 'broadening' && data.permissionChangeType === 'broadening')
      if (!ask) return true as R
      return (await this.confirm(`${msg.message} (y/N) `)) as R
    }
    return super.requestResponse(msg)
  }
}
