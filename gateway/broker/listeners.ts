/**
 * The MQTT listeners: plain TCP and TLS, each handing its connections to the
 * broker. On TLS with a client CA, the server asks for a certificate but
 * does not end a handshake without one or with a bad one: a T-box may still
 * authenticate by its secret, and a certificate that fails is refused in
 * CONNECT (./authenticate.ts) with a reason the operator can read, instead
 * of an anonymous handshake failure.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls'
import type { Logger } from '../logger.js'
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../tls.js'
import type { Metrics } from '../metrics.js'
import type { PitwallBroker } from './index.js'

async function listen<S extends Server> (server: S, host: string, port: number): Promise<S> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return server
}

/** MQTT over TCP, in clear text. */
export async function listenTcp (broker: PitwallBroker, host: string, port: number): Promise<Server> {
  return await listen(createServer((socket) => {
    socket.setNoDelay(true)
    broker.handle(socket)
  }), host, port)
}

/** MQTT over TLS; `clientCertificates`: ask T-boxes for a certificate (mutual TLS). */
export async function listenTls (
  broker: PitwallBroker,
  host: string,
  port: number,
  options: SecureContextOptions & { clientCertificates: boolean },
  deps: { metrics: Metrics, log: Logger }
): Promise<TlsServer> {
  const { clientCertificates, ...context } = options
  // A handshake holds a TLS session (~25 KiB) before the broker sees a byte: it counts
  // against the caps on unauthenticated connections from the moment the TCP connection opens.
  const handshaking = new Map<string, () => void>()
  const peer = (s: Socket): string => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`
  const server = createTlsServer({
    ...context,
    requestCert: clientCertificates,
    rejectUnauthorized: false,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS
  }, (socket) => {
    socket.setNoDelay(true)
    const reserved = handshaking.get(peer(socket))
    handshaking.delete(peer(socket))
    broker.handle(socket, undefined, reserved)
  })
  server.on('connection', (raw: Socket) => {
    const release = broker.reserve(raw.remoteAddress ?? 'unknown')
    if (release === undefined) {
      raw.destroy()
      return
    }
    const key = peer(raw)
    handshaking.set(key, release)
    raw.once('close', () => {
      release()
      if (handshaking.get(key) === release) handshaking.delete(key)
    })
  })
  server.on('tlsClientError', (err, socket) => {
    deps.metrics.tlsHandshakeFailures.inc()
    // a scanner's failed handshakes are routine on a public port: debug, not warn
    deps.log.debug({ address: socket.remoteAddress, err: err.message }, 'TLS handshake failed')
  })
  return await listen(server, host, port)
}
