/**
 * Enforces the maximum MQTT packet size on the byte stream, before aedes's
 * parser buffers a packet whole (aedes has no such option: its parser would
 * accumulate a 256 MB PUBLISH in memory before anyone could look at it).
 *
 * The stream is read packet by packet from the fixed header alone
 * ([MQTT-2.2]: one type/flags byte, then the Remaining Length varint).
 * Packets within the limit pass through untouched. An oversized PUBLISH is
 * not buffered: its topic and packet identifier are kept, its payload bytes
 * are counted and discarded as they arrive, and a small stand-in PUBLISH with
 * the same topic, QoS and packet identifier is handed to aedes instead, its
 * payload a per-connection random marker. The authorizePublish hook
 * recognises the marker, dead-letters the original with its size, and
 * acknowledges it, so the vehicle stops retransmitting and its other batches
 * keep flowing. Any other oversized packet closes the connection.
 *
 * Until the broker admits the connection (authenticated, just before its
 * CONNACK), the first packet must be a CONNECT and no packet may exceed the
 * much smaller CONNECT limit: a stranger cannot make the gateway hold a
 * megabyte by sending most of a CONNECT and waiting (issue 16: 1,000
 * half-sent 1 MB CONNECTs took the RSS from 269 to 1,188 MB).
 *
 * Once admitted, the vehicle's ingest rate (ingest-rate.ts) is charged with
 * the bytes and PUBLISHes of each chunk after it is handed on; a vehicle in
 * debt has its socket paused until the debt is repaid, so TCP slows that
 * vehicle alone and nothing it sent is dropped.
 *
 * The socket is also paused while the vehicle has `maxInflight` PUBLISHes
 * waiting for their PUBACK (authorizePublish tells it when one starts and
 * ends): MQTT 5's Receive Maximum, enforced on 3.1.1 clients by TCP. aedes
 * reads its next chunk whenever the socket signals 'readable', not when the
 * packets it parsed are answered, so without this a vehicle that publishes
 * faster than the database stores (an open-loop client, a T-box draining
 * its backlog while storage lags) made the gateway hold every batch it sent:
 * 1,900 such vehicles took the RSS from 414 MiB to 2.8 GiB in 10 minutes
 * (bench sustained). Paused, the batches wait in the vehicle's buffers.
 */
import { randomBytes } from 'node:crypto'
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import { PitwallError } from '../../runtime/errors.js'
import type { VehicleIngestRate } from './ingest-rate.js'

const CONNECT = 1
const PUBLISH = 3
const MAX_VARINT_BYTES = 4
/**
 * Pitwall's topics are under 40 bytes; a stand-in keeps the topic, so an
 * oversized PUBLISH with a longer one is refused outright.
 */
const MAX_TOPIC_BYTES = 256

/**
 * An honest CONNECT is ~1.2 KB at most: protocol name, flags and keepalive
 * (10 bytes), client id and username (a VIN each, 2 + 17), the secret (2 + 43
 * base64url characters), and a last will on v1/{vin}/status (2 + 27) whose
 * payload is at most MAX_STATUS_BYTES (2 + 1,024). 4 KiB leaves room for
 * longer secrets and MQTT 3.1's protocol name.
 */
export const DEFAULT_MAX_CONNECT_BYTES = 4096

export interface PacketLimits {
  /** largest packet once the connection is admitted (PITWALL_MAX_PACKET_BYTES) */
  maxBytes: number
  /** largest packet before that: the CONNECT and whatever comes before the CONNACK (PITWALL_MAX_CONNECT_BYTES) */
  maxConnectBytes: number
}

export interface OversizedPublish {
  topic: string
  size: number
}

/** Where a connection comes from, for throttling and logs. */
export interface ConnectionOrigin {
  /** the peer's IP address as the listener saw it; 'unknown' when the transport has none */
  address: string
  /** the TLS connection, on the MQTT TLS listener: its peer certificate may authenticate the vehicle */
  tls?: TLSSocket | undefined
}

export function originOf (stream: Socket | Duplex): ConnectionOrigin {
  return { address: (stream as Partial<Socket>).remoteAddress ?? 'unknown', tls: stream instanceof TLSSocket ? stream : undefined }
}

export class PacketSizeError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_PACKET_TOO_LARGE', message)
  }
}

export class MalformedPacketError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_MALFORMED_PACKET', message)
  }
}

type State =
  | { kind: 'header' }
  | { kind: 'pass', left: number }
  | { kind: 'collect', flags: number, size: number, left: number }
  | { kind: 'discard', left: number }

/** Between packets: one object for every connection, as it holds nothing of its own. */
const HEADER: State = Object.freeze({ kind: 'header' })

/**
 * The stream screening each socket, for the socket listeners (the static
 * methods below, called with the socket as `this`): shared functions instead
 * of five closures and their context per connection.
 */
const screens = new WeakMap<Socket | Duplex, PacketLimitedStream>()

export class PacketLimitedStream extends Duplex {
  /**
   * Stand-in payload that marks an oversized PUBLISH; unknowable to the
   * client. Made on first use: most connections never send one, and each
   * eager 16-byte Buffer cost ~200 bytes of heap and backing store.
   */
  get marker (): Buffer {
    this.markerBytes ??= randomBytes(16)
    return this.markerBytes
  }

  private markerBytes: Buffer | undefined
  /**
   * Oversized PUBLISHes in arrival order, taken by authorizePublish. Made at
   * the first one, as the marker: most connections never send one (and
   * asking whether one is pending, at every PUBLISH, makes nothing).
   */
  private oversizedQueue: OversizedPublish[] | undefined

  /** the oversized PUBLISHes not yet taken, oldest first */
  get oversized (): readonly OversizedPublish[] {
    return this.oversizedQueue ?? []
  }

  get oversizedPending (): boolean {
    return this.oversizedQueue !== undefined && this.oversizedQueue.length > 0
  }

  /** The oldest oversized PUBLISH not yet taken. */
  takeOversized (): OversizedPublish | undefined {
    return this.oversizedQueue?.shift()
  }
  private readonly socket: Socket | Duplex
  /** the limits in force (the CONNECT limit no larger than the packet limit) */
  readonly limits: Readonly<PacketLimits>
  /** set by admit(): authenticated, the full packet limit and the vehicle's ingest rate apply */
  private rate: VehicleIngestRate | undefined
  private admitted = false
  private packetsSeen = 0
  /** PUBLISH headers completed in the chunk being screened, charged to the ingest rate */
  private publishesInChunk = 0
  private throttleTimer: NodeJS.Timeout | undefined
  /** PUBLISHes handed to the broker and not yet answered (publishStarted/publishSettled) */
  private inflight = 0
  private state: State = HEADER
  // After a violation nothing more is handed on; the stream is being destroyed.
  private failed = false
  // The fixed header being read, as numbers: a 5-byte Buffer per connection cost ~200 bytes
  // (object, ArrayBuffer, backing store); the bytes can be rebuilt from these (fixedHeader).
  private headerLen = 0
  private headerFlags = 0
  private headerRemaining = 0
  // The variable header of an oversized PUBLISH: topic length, topic, packet id.
  // Allocated at the first oversized PUBLISH (~450 bytes a connection otherwise).
  private variableHeader: Buffer | undefined
  private collectedLen = 0

  /** where the connection comes from (aedes's client.conn is this stream) */
  readonly origin: ConnectionOrigin
  /** set until admission or close, whichever comes first (see the constructor) */
  private unauthenticated: (() => void) | undefined

  /**
   * `limits` is kept as given when its CONNECT limit is within its packet
   * limit (the broker passes one object for all its connections);
   * `unauthenticated`, when given, is called once, at admission or close,
   * whichever comes first (the caps on unauthenticated connections), and
   * not held after: no listener per connection for it.
   */
  constructor (socket: Socket | Duplex, limits: Readonly<PacketLimits>, origin: ConnectionOrigin = originOf(socket), unauthenticated?: () => void) {
    super({ allowHalfOpen: false })
    this.socket = socket
    this.limits = limits.maxConnectBytes <= limits.maxBytes ? limits : { maxBytes: limits.maxBytes, maxConnectBytes: limits.maxBytes }
    this.origin = origin
    this.unauthenticated = unauthenticated
    screens.set(socket, this)
    socket.on('data', PacketLimitedStream.onSocketData)
    socket.on('end', PacketLimitedStream.onSocketEnd)
    socket.on('error', PacketLimitedStream.onSocketError)
    socket.on('close', PacketLimitedStream.onSocketClose)
    socket.on('drain', PacketLimitedStream.onSocketDrain)
  }

  private static onSocketData (this: Socket | Duplex, chunk: Buffer): void { screens.get(this)?.received(chunk) }
  private static onSocketEnd (this: Socket | Duplex): void { screens.get(this)?.push(null) }
  private static onSocketError (this: Socket | Duplex, err: Error): void { screens.get(this)?.destroy(err) }
  private static onSocketClose (this: Socket | Duplex): void { screens.get(this)?.destroy() }
  private static onSocketDrain (this: Socket | Duplex): void { screens.get(this)?.emit('drain') }

  /** A chunk from the socket: screened, handed on, charged to the ingest rate. */
  private received (chunk: Buffer): void {
    if (this.failed) return
    const pieces: Buffer[] = []
    let failure: Error | undefined
    try {
      this.screen(chunk, pieces)
    } catch (err) {
      failure = err as Error
    }
    // Packets that came before a violation are still handed on.
    const out = pieces.length === 1 ? pieces[0] : pieces.length > 1 ? Buffer.concat(pieces) : undefined
    if (out !== undefined && !this.push(out)) (this.socket as Socket).pause()
    if (failure !== undefined) {
      this.failed = true
      setImmediate(() => this.destroy(failure))
      return
    }
    if (this.rate !== undefined) this.charge(this.rate, chunk.length)
  }

  /**
   * The broker authenticated the connection: from now on the full packet
   * limit applies, and what it sends is charged to `rate`, which the stream
   * gives back (VehicleIngestRate.release) when it is destroyed.
   */
  admit (rate?: VehicleIngestRate): void {
    this.admitted = true
    this.rate = rate
    this.stopCountingUnauthenticated()
    this.emit('admitted')
  }

  private stopCountingUnauthenticated (): void {
    const release = this.unauthenticated
    this.unauthenticated = undefined
    release?.()
  }

  /** whether the socket is paused because the vehicle is over its ingest rate */
  get throttled (): boolean {
    return this.throttleTimer !== undefined
  }

  /** whether the socket is paused because the vehicle has its most PUBLISHes awaiting a PUBACK */
  get inflightFull (): boolean {
    return this.inflight >= (this.rate?.maxInflight ?? Infinity)
  }

  /**
   * A PUBLISH whose PUBACK waits for storage has begun; returns true when it
   * fills the vehicle's window, so nothing more is read until one settles
   * (the packets of a chunk already read still go on: the window is met
   * to within one chunk).
   */
  publishStarted (): boolean {
    const wasFull = this.inflightFull
    this.inflight++
    if (!this.inflightFull) return false
    ;(this.socket as Socket).pause()
    return !wasFull
  }

  /** That PUBLISH is answered (or refused): below the window again, reading resumes. */
  publishSettled (): void {
    const wasFull = this.inflightFull
    this.inflight = Math.max(0, this.inflight - 1)
    if (wasFull && !this.inflightFull) this.resumeIfFree()
  }

  // aedes wants more: read unless a pause holds. No look at the buffer here: read() asks before
  // taking what is buffered, and an _read that neither resumes nor pushes is not asked again.
  override _read (): void {
    if (this.throttleTimer === undefined && !this.inflightFull && !this.destroyed) (this.socket as Socket).resume()
  }

  /** A pause ended: read again unless the other pause, or aedes's unread buffer (its _read resumes then), holds the socket. */
  private resumeIfFree (): void {
    if (this.readableLength >= this.readableHighWaterMark) return
    this._read()
  }

  /** Charges the chunk just handed on; over the rate, reads nothing more until the debt is repaid. */
  private charge (rate: VehicleIngestRate, bytes: number): void {
    const waitMs = rate.charge(this.publishesInChunk, bytes)
    this.publishesInChunk = 0
    if (waitMs <= 0 || this.throttleTimer !== undefined) return
    ;(this.socket as Socket).pause()
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined
      // a full buffer resumes in _read once aedes has read it
      this.resumeIfFree()
    }, waitMs)
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, callback)
  }

  /**
   * Everything aedes wrote while the previous socket write was pending, as
   * one socket write: without this, each PUBACK of a burst became its own
   * syscall (profiled: 12% of the gateway's time at 2,000 batches/s, ~160 us
   * per PUBACK against ~21 us in raw aedes, whose socket gets writev).
   */
  override _writev (chunks: Array<{ chunk: Buffer, encoding: BufferEncoding }>, callback: (err?: Error | null) => void): void {
    this.socket.write(chunks.length === 1 ? (chunks[0] as { chunk: Buffer }).chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback)
  }

  override _final (callback: (err?: Error | null) => void): void {
    this.socket.end(callback)
  }

  override _destroy (err: Error | null, callback: (err: Error | null) => void): void {
    clearTimeout(this.throttleTimer)
    this.stopCountingUnauthenticated()
    this.rate?.release()
    this.rate = undefined
    this.socket.destroy()
    callback(err)
  }

  /**
   * Collects into `pieces` the bytes to hand on for this chunk: runs of it that belong to
   * packets within the limit (zero-copy when that is the whole chunk), with
   * stand-ins in place of oversized PUBLISHes.
   */
  private screen (chunk: Buffer, pieces: Buffer[]): void {
    // chunk[run, i) is forwarded unless cut off by an oversized packet.
    let run = 0
    // Where the pending fixed header began in this chunk; -1 when it began in an earlier one.
    let headerStart = -1
    let i = 0
    while (i < chunk.length) {
      const s = this.state
      if (s.kind === 'pass') {
        const n = Math.min(s.left, chunk.length - i)
        i += n
        s.left -= n
        if (s.left === 0) this.state = HEADER
      } else if (s.kind === 'discard') {
        const n = Math.min(s.left, chunk.length - i)
        i += n
        run = i
        s.left -= n
        if (s.left === 0) this.state = HEADER
      } else if (s.kind === 'collect') {
        i = this.collect(s, chunk, i, pieces)
        run = i
      } else {
        if (this.headerLen === 0) headerStart = i
        const size = this.headerByte(chunk[i++] as number)
        if (size === undefined) continue
        const flags = this.headerFlags
        const headerLen = this.headerLen
        this.headerLen = 0
        const refusal = this.admitted ? undefined : this.refusedBeforeAuthentication(flags, size)
        if (refusal !== undefined) {
          if (headerStart > run) pieces.push(chunk.subarray(run, headerStart))
          throw refusal
        }
        this.packetsSeen++
        if (flags >> 4 === PUBLISH) this.publishesInChunk++
        if (size <= this.limits.maxBytes) {
          if (headerStart < 0) {
            // The header straddled chunks; its first bytes were held back.
            pieces.push(fixedHeader(flags, size - headerLen, headerLen))
            run = i
          }
          this.state = size === headerLen ? HEADER : { kind: 'pass', left: size - headerLen }
        } else {
          if (headerStart > run) pieces.push(chunk.subarray(run, headerStart))
          if (flags >> 4 !== PUBLISH) {
            throw new PacketSizeError(`packet of ${size} bytes exceeds the ${this.limits.maxBytes}-byte limit`)
          }
          run = i
          this.collectedLen = 0
          this.variableHeader ??= Buffer.alloc(2 + MAX_TOPIC_BYTES + 2)
          this.state = { kind: 'collect', flags, size, left: size - headerLen }
        }
        headerStart = -1
      }
    }
    // A fixed header cut by the chunk's end is held back until it is complete.
    const end = this.state.kind === 'header' && this.headerLen > 0 ? Math.max(headerStart, run) : chunk.length
    if (end > run) pieces.push(run === 0 && end === chunk.length ? chunk : chunk.subarray(run, end))
  }

  /** Before admission: a CONNECT first [MQTT-3.1.0-1], and nothing larger than a CONNECT may be. */
  private refusedBeforeAuthentication (flags: number, size: number): Error | undefined {
    if (this.packetsSeen === 0 && flags >> 4 !== CONNECT) {
      return new MalformedPacketError(`the first packet must be a CONNECT, not packet type ${flags >> 4} [MQTT-3.1.0-1]`)
    }
    if (size > this.limits.maxConnectBytes) {
      return new PacketSizeError(`packet of ${size} bytes before authentication exceeds the ${this.limits.maxConnectBytes}-byte CONNECT limit (PITWALL_MAX_CONNECT_BYTES)`)
    }
    return undefined
  }

  /** Takes the fixed header's next byte; returns the packet's total size once the header is complete [MQTT-2.2.3], else undefined. */
  private headerByte (byte: number): number | undefined {
    const n = ++this.headerLen
    if (n === 1) {
      this.headerFlags = byte
      this.headerRemaining = 0
      return undefined
    }
    // Remaining Length: base-128 digits, least significant first (at most 4: under 2^28, a small integer).
    this.headerRemaining += (byte & 0x7f) * 128 ** (n - 2)
    if ((byte & 0x80) !== 0) {
      if (n > MAX_VARINT_BYTES) throw new MalformedPacketError('malformed Remaining Length [MQTT-2.2.3]')
      return undefined
    }
    return n + this.headerRemaining
  }

  /** Gathers an oversized PUBLISH's topic and packet id; emits its stand-in once complete. */
  private collect (s: Extract<State, { kind: 'collect' }>, chunk: Buffer, i: number, pieces: Buffer[]): number {
    const variableHeader = this.variableHeader as Buffer
    // [MQTT-3.3.2]: 2-byte topic length, the topic, then (QoS > 0) the 2-byte packet id.
    while (i < chunk.length && s.left > 0 && this.collectedLen < this.needed(s)) {
      const n = Math.min(this.needed(s) - this.collectedLen, chunk.length - i, s.left)
      chunk.copy(variableHeader, this.collectedLen, i, i + n)
      this.collectedLen += n
      i += n
      s.left -= n
      if (this.collectedLen === 2 && variableHeader.readUInt16BE(0) > MAX_TOPIC_BYTES) {
        throw new PacketSizeError(`oversized PUBLISH with a ${variableHeader.readUInt16BE(0)}-byte topic`)
      }
    }
    if (this.collectedLen < this.needed(s)) {
      if (s.left > 0) return i
      throw new MalformedPacketError('oversized PUBLISH ends inside its variable header')
    }
    const standInHeader = Buffer.from(variableHeader.subarray(0, this.collectedLen))
    const topic = standInHeader.toString('utf8', 2, 2 + standInHeader.readUInt16BE(0))
    this.oversizedQueue ??= []
    this.oversizedQueue.push({ topic, size: s.size })
    pieces.push(standIn(s.flags, standInHeader, this.marker))
    this.collectedLen = 0
    this.state = s.left === 0 ? HEADER : { kind: 'discard', left: s.left }
    return i
  }

  /** Bytes of the variable header still to gather: 2 until the topic length is known. */
  private needed (s: Extract<State, { kind: 'collect' }>): number {
    if (this.collectedLen < 2) return 2
    return 2 + (this.variableHeader as Buffer).readUInt16BE(0) + (((s.flags >> 1) & 0x3) > 0 ? 2 : 0)
  }
}

/**
 * A fixed header as it came (`headerLen` bytes): the Remaining Length in as
 * many base-128 digits as it was sent in, so a header cut by a chunk's end
 * goes on byte for byte, whatever encoding the client chose.
 */
function fixedHeader (flags: number, remaining: number, headerLen: number): Buffer {
  const bytes = Buffer.allocUnsafe(headerLen)
  bytes[0] = flags
  for (let k = 1; k < headerLen; k++) {
    bytes[k] = (remaining % 128) | (k < headerLen - 1 ? 0x80 : 0)
    remaining = Math.floor(remaining / 128)
  }
  return bytes
}

/** A PUBLISH with the original fixed-header flags and variable header, carrying the marker. */
function standIn (flags: number, variableHeader: Buffer, marker: Buffer): Buffer {
  const remaining = variableHeader.length + marker.length
  const length: number[] = []
  let x = remaining
  do {
    let b = x % 128
    x = Math.floor(x / 128)
    if (x > 0) b |= 0x80
    length.push(b)
  } while (x > 0)
  return Buffer.concat([Buffer.from([flags, ...length]), variableHeader, marker])
}
