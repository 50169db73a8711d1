import type { z } from 'zod'

/** What a kind's checks say beyond zod's wording: the message as it is, and a hint. */
export interface IssueParams {
  /** The message is the whole sentence: no "(got ...)" is added. */
  plain: true
  /** A second line for the user: what to do instead. */
  hint?: string
}

/**
 * Reports a problem a kind's schema finds beyond shapes and ranges (a rule across fields, an
 * expression that does not parse), worded as the message says, at `path` below the value checked.
 *
 * @example
 * streamSchema.superRefine((s, ctx) => {
 *   if (s.mode === 'PROVISIONED' && s.shardCount === undefined)
 *     configIssue(ctx, 'is required for a PROVISIONED stream', ['shardCount'], "or set mode: 'ON_DEMAND'")
 * })
 */
export function configIssue(
  ctx: z.RefinementCtx,
  message: string,
  path: (string | number)[] = [],
  hint?: string,
): void {
  const params: IssueParams = hint === undefined ? { plain: true } : { plain: true, hint }
  ctx.addIssue({ code: 'custom', message, path, params })
}

/** The {@link IssueParams} of an issue {@link configIssue} raised, if it is one. */
export function issueParams(issue: z.core.$ZodIssue): IssueParams | undefined {
  const params = issue.code === 'custom' ? (issue.params as Partial<IssueParams> | undefined) : undefined
  return params?.plain === true ? (params as IssueParams) : undefined
}
