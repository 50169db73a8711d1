/** A pipeline that AWS would reject as written: one line naming the field, and a hint. */
export class SynthError extends Error {
  override readonly name = 'SynthError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** `mappings[0].batchSize`, `deliveries.events.bufferingHints.sizeInMBs`. */
export function pathText(path: readonly (string | number)[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`
  return out
}
