/**
 * Where the engine reports what an operator must know about (recovery truncations, failed shards).
 * Normal operation logs nothing.
 */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`tributary: ${m}\n`),
  warn: (m) => process.stderr.write(`tributary: warning: ${m}\n`),
  error: (m) => process.stderr.write(`tributary: error: ${m}\n`),
}
