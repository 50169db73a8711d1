import { isIP } from 'node:net'

/**
 * Protection against DNS rebinding: a web page on evil.example can make a browser send requests
 * to 127.0.0.1, but they carry `Host: evil.example`. Requests are accepted only for IP literals,
 * `localhost` (and `*.localhost`) and hosts explicitly allowed.
 */
export function hostAllowed(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (hostHeader === undefined) return true
  const host = hostName(hostHeader).toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host)) return true
  return allowed.has(host)
}

function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'))
  const colon = header.lastIndexOf(':')
  return colon >= 0 ? header.slice(0, colon) : header
}
