import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Asset {
  body: Buffer
  type: string
  etag: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
}

/**
 * The page may only load what this server serves: no CDN, no inline script. uPlot sizes its
 * canvas with inline styles, hence `'unsafe-inline'` for styles only.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

function asset(body: Buffer, name: string): Asset {
  return {
    body,
    type: TYPES[extname(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
  }
}

/**
 * The dashboard's files by URL path: `src/web/assets/*` under `/ui/assets/`, uPlot's bundled
 * build under `/ui/vendor/`, and the page itself at `/ui/`. Read once at startup; a lookup by exact
 * path is the only way in, so no request can reach another file.
 */
export function loadAssets(): Map<string, Asset> {
  const dir = fileURLToPath(new URL('./assets/', import.meta.url))
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(dir)) {
    const body = readFileSync(join(dir, name))
    assets.set(name === 'index.html' ? '/ui/' : `/ui/assets/${name}`, asset(body, name))
  }
  const require = createRequire(import.meta.url)
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    const body = readFileSync(require.resolve(`uplot/dist/${file}`))
    assets.set(`/ui/vendor/${file}`, asset(body, file))
  }
  return assets
}

export function serveAsset(
  assets: Map<string, Asset>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) {
  const found = assets.get(path)
  if (!found) return false
  const headers: Record<string, string | number> = {
    'content-type': found.type,
    etag: found.etag,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  }
  if (found.type.startsWith('text/html')) {
    headers['content-security-policy'] = CSP
    headers['x-frame-options'] = 'DENY'
    headers['referrer-policy'] = 'no-referrer'
  }
  if (req.headers['if-none-match'] === found.etag) {
    res.writeHead(304, headers).end()
    return true
  }
  headers['content-length'] = found.body.length
  res.writeHead(200, headers)
  res.end(req.method === 'HEAD' ? undefined : found.body)
  return true
}
