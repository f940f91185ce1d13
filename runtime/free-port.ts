/**
 * A loopback TCP port nobody listens on now, for a listener whose port must
 * be chosen before it starts (port 0 turns an MQTT listener off, so tests
 * and the bench cannot ask for an ephemeral one). Another process could take
 * it before it is used; the kernel hands ephemeral ports out in turn, so on
 * one machine that does not happen in practice.
 */
import { createServer, type AddressInfo } from 'node:net'

export async function freePort (host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}
