/**
 * A loopback TCP proxy that a test can cut: while `down`, existing
 * connections are destroyed and new ones refused at once, which is what a
 * gateway sees of a database that crashed or dropped off the network.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'

export class TcpProxy {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private down = false

  /** target: a port on 127.0.0.1 or a Unix socket path */
  private constructor (private readonly target: number | string) {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy()
        return
      }
      const upstream = typeof this.target === 'number' ? connect(this.target, '127.0.0.1') : connect(this.target)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }

  static async start (target: number | string): Promise<TcpProxy> {
    const proxy = new TcpProxy(target)
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get port (): number {
    return (this.server.address() as AddressInfo).port
  }

  cut (): void {
    this.down = true
    for (const s of this.sockets) s.destroy()
  }

  restore (): void {
    this.down = false
  }

  async close (): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
