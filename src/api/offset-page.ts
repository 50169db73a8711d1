/**
 * A page of a listing whose token is the offset of the next item (`"100"`): for listings the API
 * computes whole on every call (topics, subscriptions, log groups and streams). A token that is
 * not an offset gets the service's own error, `invalid()`.
 *
 * @example
 * const { items, next } = offsetPage(names, params.get('NextToken'), 100, () => invalidToken())
 */
export function offsetPage<T>(
  items: readonly T[],
  token: string | undefined,
  size: number,
  invalid: () => Error,
): { items: T[]; next: string | undefined } {
  const from = token === undefined ? 0 : Number(token)
  if (!Number.isInteger(from) || from < 0) throw invalid()
  const to = from + size
  return { items: items.slice(from, to), next: to < items.length ? String(to) : undefined }
}
