/**
 * The raw-aedes baseline of the throughput bench, as its own process (forked
 * by throughput.ts): aedes on an ephemeral loopback port, `authenticate` and
 * `authorizePublish` calling back at once, no pipeline behind it. It counts
 * the publishes it sees, so QoS 0 runs (no acknowledgement) can be compared.
 *
 * IPC: sends { type: 'listening', port } once bound; answers { type: 'count' }
 * with { type: 'count', publishes }; exits on { type: 'exit' } or when the
 * parent goes away.
 */
import { Aedes } from 'aedes'
import { createServer, type AddressInfo } from 'node:net'

let publishes = 0
const aedes = await Aedes.createBroker({
  authenticate: (_client, _username, _password, callback) => callback(null, true),
  authorizePublish: (_client, _packet, callback) => {
    publishes++
    callback(null)
  }
})
const server = createServer((socket) => {
  // as the gateway's listener does (gateway/broker/index.ts)
  socket.setNoDelay(true)
  aedes.handle(socket)
})
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port })
})
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', publishes })
  if (message.type === 'exit') {
    server.close()
    aedes.close(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(0))
