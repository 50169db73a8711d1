// Prints the CI summary line "N passed, N failed" from vitest's JSON report plus extra checks.
import { existsSync, readFileSync } from 'node:fs'

const [file, extraPassed = '0', extraFailed = '0', testStatus = '0'] = process.argv.slice(2)
let passed = Number(extraPassed)
let failed = Number(extraFailed)
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  // A suite that fails to load has no tests to count: count it as a failure.
  failed += report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length
} else {
  failed += 1
}
if (Number(testStatus) !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
