// Starts kinesalite (in memory) on 127.0.0.1 only: its CLI binds every interface.
// Usage: node bench/kinesalite-server.cjs <port>. Prints "kinesalite listening" when ready.
const kinesalite = require('kinesalite')

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: kinesalite-server.cjs <port>')
  process.exit(2)
}

const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 })
server.listen(port, '127.0.0.1', () => {
  console.log(`kinesalite listening on http://127.0.0.1:${port}`)
})

function stop() {
  server.close(() => process.exit(0))
  // Keep-alive sockets can hold close() open; the bench only needs the process gone.
  setTimeout(() => process.exit(0), 500).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
