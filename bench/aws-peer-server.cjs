// Starts one of the npm emulators the aws-apis group compares with, on 127.0.0.1 only, persisting
// to <dir> (s3rver: a directory tree of objects; dynalite: a LevelDB). Neither fsyncs: s3rver
// writes with fs streams and fs.writeFile, dynalite with LevelDB's default (sync: false).
// Usage: node bench/aws-peer-server.cjs s3rver|dynalite <port> <dir>. Prints "<kind> listening".
const [kind, portArg, dir] = process.argv.slice(2)
const port = Number(portArg)
if (!['s3rver', 'dynalite'].includes(kind) || !Number.isInteger(port) || port <= 0 || !dir) {
  console.error('usage: aws-peer-server.cjs s3rver|dynalite <port> <dir>')
  process.exit(2)
}

require('node:fs').mkdirSync(dir, { recursive: true })

let close

if (kind === 's3rver') {
  const S3rver = require('s3rver')
  // silent: no request log (it would cost s3rver time the bench is not about).
  const server = new S3rver({ address: '127.0.0.1', port, directory: dir, silent: true })
  server.run().then(
    () => console.log(`s3rver listening on http://127.0.0.1:${port}`),
    (e) => {
      console.error(e)
      process.exit(1)
    },
  )
  close = (done) => server.close().then(done, done)
} else {
  const dynalite = require('dynalite')
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  server.listen(port, '127.0.0.1', () => console.log(`dynalite listening on http://127.0.0.1:${port}`))
  close = (done) => server.close(done)
}

function stop() {
  close(() => process.exit(0))
  // Keep-alive sockets can hold close() open; the bench only needs the process gone.
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
