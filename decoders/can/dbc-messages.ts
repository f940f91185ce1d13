/** Messages and their signals: BO_ with its SG_ lines, BO_TX_BU_ and SIG_VALTYPE_. */
import type { CanMessage, CanSignal } from './model.js'
import type { DbcReader } from './dbc-reader.js'

/** DBC sets bit 31 of a BO_ id for a 29-bit extended frame. */
const EXTENDED_FLAG = 0x8000_0000

/** CAN FD carries up to 64 bytes (ISO 11898-1:2015), so a start bit is at most 511. */
const MAX_PAYLOAD_BYTES = 64

const MULTIPLEX_MARKER = /^(?:M|m(\d+)(M?))$/

/** BO_ <id> <name>: <length> <sender>, then its SG_ lines. */
export function parseMessage (r: DbcReader): void {
  r.next()
  const idToken = r.peek()
  const frameId = r.expectInteger('a message id (unsigned 32-bit integer)', 0, 0xffff_ffff)
  const name = r.expectIdentifier('a message name')
  r.expectPunct(':', `':' after message name ${name}`)
  const length = r.expectInteger(`a message length in bytes (0..${MAX_PAYLOAD_BYTES})`, 0, MAX_PAYLOAD_BYTES)
  const sender = r.expectIdentifier(`the sending node of message ${name}`)
  if (r.messagesByFrameId.has(frameId)) {
    throw r.error(idToken, 'a message id not defined before', `duplicate id ${frameId} in BO_ ${name}`)
  }
  const extended = frameId >= EXTENDED_FLAG
  const message: CanMessage = {
    frameId,
    // Bits 29..30 are kept: cantools does the same, and a few DBCs
    // (e.g. Vector's VECTOR__INDEPENDENT_SIG_MSG) use them for pseudo messages.
    id: extended ? frameId - EXTENDED_FLAG : frameId,
    extended,
    name,
    length,
    sender,
    transmitters: [],
    signals: [],
    canFd: length > 8,
    attributes: {}
  }
  const names = new Set<string>()
  while (r.isIdentifier('SG_')) {
    const nameToken = r.peek(1)
    const signal = parseSignal(r, message)
    if (names.has(signal.name)) throw r.error(nameToken, `a signal name not used before in message ${name}`, `duplicate signal ${signal.name}`)
    names.add(signal.name)
    message.signals.push(signal)
  }
  r.addMessage(message)
}

/**
 * SG_ <name> [M | mN | mNM] : <start>|<length>@<order><sign> (<factor>,<offset>)
 *     [<min>|<max>] "<unit>" <receiver>[,<receiver>...]
 */
function parseSignal (r: DbcReader, message: CanMessage): CanSignal {
  r.next()
  const name = r.expectIdentifier('a signal name after SG_')
  let isMultiplexer = false
  let muxValue: number | undefined
  const markerToken = r.peek()
  if (markerToken.kind === 'identifier') {
    const marker = MULTIPLEX_MARKER.exec(markerToken.text)
    const value = marker?.[1] === undefined ? 0 : Number(marker[1])
    if (marker === null || !Number.isSafeInteger(value)) {
      throw r.error(markerToken, `':' or a multiplexer marker (M, mN, mNM) after signal ${name}`)
    }
    r.next()
    isMultiplexer = marker[1] === undefined || marker[2] === 'M'
    if (marker[1] !== undefined) muxValue = value
  }
  r.expectPunct(':', `':' after signal name ${name}`)
  const startToken = r.peek()
  const startBit = r.expectInteger(`the start bit (0..${MAX_PAYLOAD_BYTES * 8 - 1}) of signal ${name}`, 0, MAX_PAYLOAD_BYTES * 8 - 1)
  r.expectPunct('|', `'|' between start bit and length of signal ${name}`)
  const length = r.expectInteger(`the bit length (1..64) of signal ${name}`, 1, 64)
  r.expectPunct('@', `'@' before the byte order of signal ${name}`)
  const orderToken = r.next()
  if (orderToken.kind !== 'number' || (orderToken.text !== '0' && orderToken.text !== '1')) {
    throw r.error(orderToken, `byte order 1 (Intel) or 0 (Motorola) for signal ${name}`)
  }
  const signToken = r.next()
  if (!r.isPunct('+', signToken) && !r.isPunct('-', signToken)) {
    throw r.error(signToken, `'+' (unsigned) or '-' (signed) for signal ${name}`)
  }
  r.expectPunct('(', `'(' before factor of signal ${name}`)
  const factor = r.expectNumber(`the factor of signal ${name}`)
  r.expectPunct(',', `',' between factor and offset of signal ${name}`)
  const offset = r.expectNumber(`the offset of signal ${name}`)
  r.expectPunct(')', `')' after offset of signal ${name}`)
  r.expectPunct('[', `'[' before minimum of signal ${name}`)
  const minimum = r.expectNumber(`the minimum of signal ${name}`)
  r.expectPunct('|', `'|' between minimum and maximum of signal ${name}`)
  const maximum = r.expectNumber(`the maximum of signal ${name}`)
  r.expectPunct(']', `']' after maximum of signal ${name}`)
  const unit = r.expectString(`the quoted unit of signal ${name}`)
  const receivers: string[] = []
  for (;;) {
    const t = r.peek()
    if (t.lineStart || t.kind === 'eof') break
    r.next()
    if (t.kind === 'identifier') receivers.push(t.text)
    else if (!r.isPunct(',', t)) throw r.error(t, `a receiving node of signal ${name}`)
  }
  const signal: CanSignal = {
    name,
    startBit,
    length,
    byteOrder: orderToken.text === '1' ? 'little_endian' : 'big_endian',
    signed: signToken.text === '-',
    valueType: 'integer',
    factor,
    offset,
    minimum,
    maximum,
    unit,
    receivers,
    isMultiplexer,
    attributes: {}
  }
  // A warning, not an error: Vector's VECTOR__INDEPENDENT_SIG_MSG pseudo
  // message has length 0 and still lists signals; a decoder must skip such
  // signals rather than lose the whole file.
  const end = signal.byteOrder === 'little_endian' ? startBit + length : motorolaMsbPosition(startBit) + length
  if (end > message.length * 8) {
    r.warn(startToken, `signal ${name} (start bit ${startBit}, ${length} bits, ${signal.byteOrder}) does not fit in the ${message.length} bytes of message ${message.name}`)
  }
  if (muxValue !== undefined) r.pendingMultiplex.push({ message, signal, value: muxValue, token: markerToken })
  return signal
}

/** A Motorola start bit (its MSB) in big-endian linear numbering, where the signal's bits are consecutive. */
function motorolaMsbPosition (startBit: number): number {
  return (startBit >> 3) * 8 + (7 - (startBit & 7))
}

/** BO_TX_BU_ <message id> : <node>[,<node>...] ; */
export function parseTransmitters (r: DbcReader): void {
  r.next()
  const message = r.messageRef()
  r.expectPunct(':', '\':\' after the message id of BO_TX_BU_')
  const nodes: string[] = []
  while (!r.isPunct(';')) {
    const t = r.next()
    if (t.kind === 'identifier') nodes.push(t.text)
    else if (!r.isPunct(',', t)) throw r.error(t, 'a node name or \';\'')
  }
  r.next()
  if (message !== undefined) message.transmitters = nodes
}

/** SIG_VALTYPE_ <message id> <signal> : 0|1|2 ; (integer, IEEE float32, IEEE double) */
export function parseSignalValueType (r: DbcReader): void {
  r.next()
  const signal = r.signalRef()
  if (r.isPunct(':')) r.next()
  const t = r.peek()
  const code = r.expectInteger('a signal value type 0 (integer), 1 (float32) or 2 (double)', 0, 2)
  r.expectPunct(';', '\';\' after SIG_VALTYPE_')
  if (signal === undefined) return
  const expectedLength = code === 1 ? 32 : code === 2 ? 64 : signal.length
  if (signal.length !== expectedLength) {
    throw r.error(t, `a signal of ${expectedLength} bits for value type ${code}`, `signal ${signal.name} of ${signal.length} bits`)
  }
  signal.valueType = code === 1 ? 'float32' : code === 2 ? 'float64' : 'integer'
}
