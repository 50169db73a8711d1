/**
 * The dashboard in a real browser: playwright-core driving Debian's Chromium (`.ci/run` installs
 * it with apt). Without /usr/bin/chromium every test skips and says why. Screenshots go to
 * test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { expect, type TestContext } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`
const SHOTS = join(process.cwd(), 'test-results', 'screenshots')

export function needChromium(ctx: TestContext): boolean {
  if (!missing) return true
  console.warn(`skipped: ${missing}`)
  ctx.skip(missing)
  return false
}

export async function launch(): Promise<Browser | undefined> {
  if (missing) return undefined
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}

/** What went wrong on a page: script errors, console errors, failed requests, 4xx/5xx answers. */
export interface PageProblems {
  errors: string[]
}

/**
 * Opens the dashboard at `hash` and waits until it is ready. Every page error, console error,
 * failed request and error status is collected in `problems`; a page that had any by then fails.
 */
export async function open(
  browser: Browser,
  url: string,
  hash = '',
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const problems: PageProblems = { errors: [] }
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(`console: ${m.text()} (${m.location().url})`)
  })
  page.on('requestfailed', (r) => {
    // An event stream the test itself ends by closing the page is not a failure, nor one the page
    // ends itself (the Logs panel follows anew when its filter or function changes).
    const stream = ['/ui/api/events', '/ui/api/tail', '/logs/follow'].some((s) => r.url().includes(s))
    if (!stream) problems.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems.errors.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  await page.goto(`${url}/ui/${hash}`)
  await page.waitForSelector('body[data-ready="true"]')
  expect(problems.errors).toEqual([])
  return { page, problems }
}

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** The dashboard's date format: `HH:MM:SS` today, `YYYY-MM-DD HH:MM:SS` another day. */
export const DATE_FORMAT = /^(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}$/
