import { createHmac, timingSafeEqual } from 'node:crypto'
import type { StreamEngine } from '../../engine/engine.ts'
import { ServiceError } from '../../stream/errors.ts'

/** Pagination tokens: JSON state + issue time, HMAC-authenticated; valid for 300 s like AWS's. */
const TTL_MS = 300_000

export interface TokenState {
  after: string
  stream?: string
  createdAt?: number
}

/** Encodes a listing's position; `State` may carry more (ListShards keeps its filter). */
export function encodeToken<State extends TokenState>(
  engine: StreamEngine,
  scope: string,
  state: State,
): string {
  const body = Buffer.from(JSON.stringify({ ...state, scope, issuedAt: engine.clock.now() }))
  const mac = createHmac('sha256', engine.secret('token-secret')).update(body).digest().subarray(0, 16)
  return Buffer.concat([mac, body]).toString('base64url')
}

/**
 * The state a token was encoded with. The MAC proves the token is one this data directory issued
 * under `scope`, so its JSON is the `State` the same operation encoded.
 */
export function decodeToken<State extends TokenState = TokenState>(
  engine: StreamEngine,
  scope: string,
  token: string,
): State {
  const raw = Buffer.from(token, 'base64url')
  const invalid = () => new ServiceError('InvalidArgumentException', `Invalid NextToken: ${token}`)
  if (raw.length < 17) throw invalid()
  const mac = createHmac('sha256', engine.secret('token-secret'))
    .update(raw.subarray(16))
    .digest()
    .subarray(0, 16)
  if (!timingSafeEqual(mac, raw.subarray(0, 16))) throw invalid()
  const state = JSON.parse(raw.subarray(16).toString()) as State & { scope: string; issuedAt: number }
  if (state.scope !== scope) throw invalid()
  if (engine.clock.now() - state.issuedAt > TTL_MS) {
    throw new ServiceError(
      'ExpiredNextTokenException',
      `The timestamp of the given NextToken has expired: ${token}`,
    )
  }
  return state
}
