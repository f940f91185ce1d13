/** Messages and their signals: BO_ with its SG_ lines, BO_TX_BU_ and SIG_VALTYPE_. */
import type { CanMessage, CanSignal } from './model.js'
import { motorolaMsbPosition } from './bit-layout.js'
import { DbcParseError } from './dbc-lexer.js'
import type { DbcReader } from './dbc-reader.js'

/** DBC sets bit 31 of a BO_ id for a 29-bit extended frame. */
const EXTENDED_FLAG = 0x8000_0000

/** The highest 11-bit and 29-bit arbitration ids (ISO 11898-1). */
const MAX_STANDARD_ID = 0x7ff
const MAX_EXTENDED_ID = 0x1fff_ffff

/** CAN FD carries up to 64 bytes (ISO 11898-1:2015), so a start bit is at most 511. */
const MAX_PAYLOAD_BYTES = 64

/** `M`, `mN`, `mNM`, and the bare `m` some files carry (vw_pq.dbc). */
const MULTIPLEX_MARKER = /^(?:M|m(\d+)(M?)|m)$/

/** The name a BO_ without a sender gets, as Vector's tools write "no node". */
const NO_NODE = 'Vector__XXX'

/**
 * A message id as the model keys it (CanMessage.frameId): bit 31 set for a
 * 29-bit extended frame. Vector's tools set bit 31; other tools' files
 * (opendbc's gm_global_a_lowspeed, vw_mqbevo, chrysler_cusw) write an id
 * above 0x7FF without it. No 11-bit frame carries such an id, and opendbc
 * matches it against extended frames, so it gets the flag here: in its BO_
 * and in every CM_, BA_, VAL_ ... that refers to it.
 */
export function messageKey (writtenId: number): number {
  return isUnflaggedExtended(writtenId) ? (writtenId | EXTENDED_FLAG) >>> 0 : writtenId
}

function isUnflaggedExtended (writtenId: number): boolean {
  return writtenId > MAX_STANDARD_ID && writtenId <= MAX_EXTENDED_ID
}

/**
 * BO_ <id> <name>: <length> <sender>, then its SG_ lines. A lenient parse
 * leaves out a message that does not read or that no frame can carry (the
 * J1939 DBC's 200-byte ILI, sent by transport protocol) with its SG_ lines,
 * and an SG_ line that does not read alone (readSignal), each with a warning:
 * one bad message must not cost a file of hundreds, and leaving a message out
 * is not guessing its layout. A strict parse refuses either.
 */
export function parseMessage (r: DbcReader): void {
  if (r.strict) {
    readMessage(r)
    return
  }
  const start = r.position
  const warnings = r.db.warnings.length
  const pending = r.pendingMultiplex.length
  try {
    readMessage(r)
  } catch (err) {
    if (!(err instanceof DbcParseError)) throw err
    // What was said of the message's signals goes with them; nothing else was added before the error.
    r.db.warnings.length = warnings
    r.pendingMultiplex.length = pending
    r.rewind(start)
    skipMessage(r, err)
  }
}

function readMessage (r: DbcReader): void {
  r.next()
  const idToken = r.peek()
  const writtenId = r.expectInteger('a message id (unsigned 32-bit integer)', 0, 0xffff_ffff)
  const nameToken = r.peek()
  const name = r.expectName('a message name')
  const frameId = messageKey(writtenId)
  if (frameId !== writtenId) {
    const hex = `0x${writtenId.toString(16).toUpperCase()}`
    r.warn(idToken, 'extended-id-without-flag', `message ${name} has id ${writtenId} (${hex}), above 0x7FF without bit 31 (the extended flag); read as the 29-bit extended id ${hex}, as opendbc does`,
      { expected: `an 11-bit id (0..2047), or 2147483648 (bit 31) plus a 29-bit id, for message ${name}`, found: `id ${writtenId} (${hex}) without bit 31` })
  }
  r.expectPunct(':', `':' after message name ${name}`)
  const length = r.expectInteger(`a message length in bytes (0..${MAX_PAYLOAD_BYTES})`, 0, MAX_PAYLOAD_BYTES)
  const sender = parseSender(r, name)
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
  const byName = new Map<string, CanSignal>()
  while (r.isIdentifier('SG_')) {
    const signalNameToken = r.peek(1)
    const signal = readSignal(r, message)
    if (signal === undefined) continue
    const earlier = byName.get(signal.name)
    if (earlier !== undefined) {
      r.warn(signalNameToken, 'duplicate-signal', `signal ${signal.name} is defined twice in message ${name}; the later definition is used`,
        { expected: `a signal name not used before in message ${name}`, found: `duplicate signal ${signal.name}` })
      message.signals.splice(message.signals.indexOf(earlier), 1)
      r.dropPending((p) => p.signal === earlier)
    }
    byName.set(signal.name, signal)
    message.signals.push(signal)
  }
  const earlier = r.messagesByFrameId.get(frameId)
  if (earlier !== undefined) {
    r.warn(idToken, 'duplicate-message', `message id ${writtenId} (${name}) is defined again, after ${earlier.name}; the later definition is used, as cantools does`,
      { expected: 'a message id not defined before', found: `duplicate id ${writtenId} in BO_ ${name}` })
    r.removeMessage(earlier)
  }
  r.addMessage(message, nameToken)
}

/** Steps over a BO_ that did not read and its SG_ lines, saying why. The reader is at its BO_. */
function skipMessage (r: DbcReader, err: DbcParseError): void {
  const keyword = r.next()
  const idToken = r.peek()
  const nameToken = r.peek(1)
  const writtenId = idToken.kind === 'number' && !idToken.lineStart ? Number(idToken.text) : NaN
  // CM_, BA_, VAL_ ... about it then say nothing more: this warning has said it.
  if (Number.isInteger(writtenId)) r.skippedMessages.add(messageKey(writtenId))
  r.skipToStatement()
  let signals = 0
  while (r.isIdentifier('SG_')) {
    r.next()
    r.skipToStatement()
    signals++
  }
  const what = nameToken.kind === 'identifier' && !nameToken.lineStart ? `message ${nameToken.text} (BO_ ${idToken.text})` : 'a BO_'
  r.warn(keyword, 'message-skipped', `${what} left out with its ${signals} signal${signals === 1 ? '' : 's'}: at ${err.line}:${err.column} expected ${err.expected}, found ${err.found}`,
    { expected: err.expected, found: err.found })
}

/** The sending node; a BO_ line that ends after its length gets Vector__XXX. */
function parseSender (r: DbcReader, name: string): string {
  const t = r.peek()
  if (t.lineStart || t.kind === 'eof') {
    r.warn(t, 'missing-sender', `message ${name} names no sending node; ${NO_NODE} assumed`,
      { expected: `the sending node of message ${name}`, found: t.kind === 'eof' ? 'end of file' : `'${t.text}' on the next line` })
    return NO_NODE
  }
  return r.expectName(`the sending node of message ${name}`)
}

/**
 * An SG_ line of `message`. A lenient parse leaves out one that does not read
 * (a start bit past 64 bytes, more than 64 bits, a byte order 2, ...), with
 * a warning, and returns undefined. A switch (M, mNM, a bare m) is not left
 * out alone: without it the signals it selects would be read from every
 * frame, so the error goes on to leave out the whole message.
 */
function readSignal (r: DbcReader, message: CanMessage): CanSignal | undefined {
  if (r.strict) return parseSignal(r, message)
  const start = r.position
  const warnings = r.db.warnings.length
  try {
    return parseSignal(r, message)
  } catch (err) {
    if (!(err instanceof DbcParseError)) throw err
    r.rewind(start)
    const keyword = r.next()
    const nameToken = r.peek()
    const marker = r.peek(1)
    const plain = r.isPunct(':', marker) || (marker.kind === 'identifier' && /^m\d+$/.test(marker.text))
    if (nameToken.kind !== 'identifier' || nameToken.lineStart || !plain) throw err
    r.db.warnings.length = warnings
    r.skipToStatement()
    r.noteSkippedSignal(message, nameToken.text)
    r.warn(keyword, 'signal-skipped', `signal ${nameToken.text} of message ${message.name} left out: at ${err.line}:${err.column} expected ${err.expected}, found ${err.found}`,
      { expected: err.expected, found: err.found })
    return undefined
  }
}

/**
 * SG_ <name> [M | mN | mNM] : <start>|<length>@<order><sign> (<factor>,<offset>)
 *     [<min>|<max>] "<unit>" <receiver>[,<receiver>...]
 */
function parseSignal (r: DbcReader, message: CanMessage): CanSignal {
  r.next()
  const nameToken = r.peek()
  const name = r.expectName('a signal name after SG_')
  let isMultiplexer = false
  let multiplexed = false
  let muxValue: number | undefined
  const markerToken = r.peek()
  if (markerToken.kind === 'identifier') {
    const marker = MULTIPLEX_MARKER.exec(markerToken.text)
    const value = marker?.[1] === undefined ? 0 : Number(marker[1])
    if (marker === null || !Number.isSafeInteger(value)) {
      throw r.error(markerToken, `':' or a multiplexer marker (M, mN, mNM) after signal ${name}`)
    }
    r.next()
    isMultiplexer = marker[0] === 'M' || marker[2] === 'M'
    multiplexed = marker[0] !== 'M'
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
    if (t.kind === 'identifier') {
      r.noteQuirkyName(t, `a receiving node of signal ${name}`)
      receivers.push(t.text)
    } else if (!r.isPunct(',', t)) {
      throw r.error(t, `a receiving node of signal ${name}`)
    }
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
  if (end > message.length * 8 && !isPseudoMessage(message)) {
    const what = `signal ${name} (start bit ${startBit}, ${length} bits, ${signal.byteOrder})`
    r.warn(startToken, 'signal-outside-message', `${what} does not fit in the ${message.length} bytes of message ${message.name}; decoded only from frames long enough`,
      { expected: `a signal inside the ${message.length} bytes of message ${message.name}`, found: what })
  }
  if (multiplexed) r.pendingMultiplex.push({ message, signal, value: muxValue, token: markerToken })
  r.noteSignalAt(signal, nameToken)
  return signal
}

/**
 * An id no CAN frame can carry (above 29 bits): Vector's
 * VECTOR__INDEPENDENT_SIG_MSG (0xC0000000, length 0), where CANdb++ parks
 * signals not yet placed in a message. Its signals are never decoded, so
 * their layout is not checked.
 */
export function isPseudoMessage (message: CanMessage): boolean {
  return message.id > MAX_EXTENDED_ID
}

/** BO_TX_BU_ <message id> : <node>[,<node>...] ; */
export function parseTransmitters (r: DbcReader): void {
  r.next()
  const message = r.messageRef()
  r.expectPunct(':', '\':\' after the message id of BO_TX_BU_')
  const nodes: string[] = []
  while (!r.isPunct(';') && !r.startsStatement(r.peek())) {
    const t = r.next()
    if (t.kind === 'identifier') nodes.push(t.text)
    else if (!r.isPunct(',', t)) throw r.error(t, 'a node name or \';\'')
  }
  r.endStatement('after BO_TX_BU_')
  if (message !== undefined) message.transmitters = nodes
}

/** SIG_VALTYPE_ <message id> <signal> : 0|1|2 ; (integer, IEEE float32, IEEE double) */
export function parseSignalValueType (r: DbcReader): void {
  r.next()
  const signal = r.signalRef()
  if (r.isPunct(':')) r.next()
  const t = r.peek()
  const code = r.expectInteger('a signal value type 0 (integer), 1 (float32) or 2 (double)', 0, 2)
  r.endStatement('after SIG_VALTYPE_')
  if (signal === undefined) return
  const expectedLength = code === 1 ? 32 : code === 2 ? 64 : signal.length
  if (signal.length !== expectedLength) {
    r.warn(t, 'value-type-length', `value type ${code} needs ${expectedLength} bits but signal ${signal.name} has ${signal.length}; decoded as an integer`,
      { expected: `a signal of ${expectedLength} bits for value type ${code}`, found: `signal ${signal.name} of ${signal.length} bits` })
    return
  }
  signal.valueType = code === 1 ? 'float32' : code === 2 ? 'float64' : 'integer'
}
