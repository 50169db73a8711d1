/**
 * CORS as a browser enforces it: Chromium (playwright-core, Debian's /usr/bin/chromium) loads a
 * page from a loopback origin and from a foreign one (`evil.test`, resolved to 127.0.0.1 by the
 * browser only), and each calls the Kinesis API with the headers the AWS SDK sends. The loopback
 * page reads the answer and AWS's exposed headers; the foreign page's call fails in the browser.
 * Skipped, with the reason shown, without Chromium.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FAKE_AUTH } from '../helpers/raw-http.ts'
import { startServer } from '../helpers/server.ts'

const CHROMIUM = '/usr/bin/chromium'
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`

/** A page server on loopback: what a developer's app on `npm run dev` would be. */
async function pageServer(): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as AddressInfo).port
}

describe('CORS in Chromium', () => {
  it('lets a loopback page call the API and refuses a foreign one', { timeout: 60_000 }, async (ctx) => {
    if (missing) {
      console.warn(`skipped: ${missing}`)
      ctx.skip(missing)
      return
    }
    const t = await startServer()
    const appPort = await pageServer()
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--host-resolver-rules=MAP evil.test 127.0.0.1',
      ],
    })
    onTestFinished(() => browser.close())
    const page = await browser.newPage()

    // A non-simple request (AWS content type, x-amz-* headers): the browser preflights it.
    const callKinesis = (endpoint: string, auth: Record<string, string>) =>
      page.evaluate(
        async ({ endpoint, auth }) => {
          try {
            const res = await fetch(endpoint, {
              method: 'POST',
              headers: {
                'content-type': 'application/x-amz-json-1.1',
                'x-amz-target': 'Kinesis_20131202.ListStreams',
                ...auth,
              },
              body: '{}',
            })
            return {
              status: res.status,
              requestId: res.headers.get('x-amzn-requestid'),
              body: await res.json(),
            }
          } catch (error) {
            return { error: String(error) }
          }
        },
        { endpoint, auth },
      )

    await page.goto(`http://localhost:${appPort}/`)
    const allowed = await callKinesis(t.url, FAKE_AUTH)
    expect(allowed).toMatchObject({ status: 200, body: { StreamNames: [] } })
    expect((allowed as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/)

    await page.goto(`http://evil.test:${appPort}/`)
    expect(await callKinesis(t.url, FAKE_AUTH)).toEqual({ error: 'TypeError: Failed to fetch' })
  })
})
