/**
 * DBC text -> CanDatabase. Follows the Vector DBC file format as real files
 * use it (checked against the opendbc files): VERSION, NS_, BS_, BU_, BO_ with
 * SG_ (simple and extended multiplexing), CM_, VAL_TABLE_, VAL_, BA_DEF_,
 * BA_DEF_DEF_, BA_, SIG_VALTYPE_, BO_TX_BU_ and SG_MUL_VAL_. Other sections
 * (EV_, SIG_GROUP_, BA_DEF_REL_, ...) are skipped.
 */
import type {
  AttributeDefinition, AttributeObjectType, AttributeValue, CanDatabase, CanMessage, CanSignal
} from './model.js'
import { DbcParseError, tokenize, type Token } from './dbc-lexer.js'

export { DbcParseError } from './dbc-lexer.js'

/** DBC sets bit 31 of a BO_ id for a 29-bit extended frame. */
const EXTENDED_FLAG = 0x8000_0000

const KEYWORDS = new Set([
  'VERSION', 'NS_', 'BS_', 'BU_', 'BO_', 'SG_', 'CM_', 'VAL_TABLE_', 'VAL_', 'BA_DEF_', 'BA_DEF_DEF_', 'BA_',
  'SIG_VALTYPE_', 'BO_TX_BU_', 'SG_MUL_VAL_', 'EV_', 'ENVVAR_DATA_', 'SIG_GROUP_', 'SGTYPE_', 'SIG_TYPE_REF_',
  'BA_DEF_REL_', 'BA_REL_', 'BA_DEF_DEF_REL_', 'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'CAT_DEF_', 'CAT_', 'FILTER',
  'NS_DESC_', 'SIGTYPE_VALTYPE_', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_', 'SGTYPE_VAL_', 'EV_DATA_'
])

/** Upper-case words ending in '_' at the start of a line are statement keywords, known to us or not. */
const KEYWORD_SHAPE = /^[A-Z][A-Z0-9_]*_$/

const MULTIPLEX_MARKER = /^(?:M|m(\d+)(M?))$/

interface PendingMultiplex {
  message: CanMessage
  signal: CanSignal
  value: number
  token: Token
}

export function parseDbc (text: string, fileName = '<string>'): CanDatabase {
  return new DbcParser(text, fileName).parse()
}

class DbcParser {
  private readonly tokens: Token[]
  private pos = 0
  private readonly fileName: string
  private readonly db: CanDatabase
  private readonly messagesByFrameId = new Map<number, CanMessage>()
  private readonly pendingMultiplex: PendingMultiplex[] = []
  /** Signals whose multiplex condition SG_MUL_VAL_ gave explicitly. */
  private readonly extendedMultiplexed = new Set<CanSignal>()

  constructor (text: string, fileName: string) {
    this.fileName = fileName
    this.tokens = tokenize(text, fileName)
    this.db = {
      fileName,
      version: '',
      nodes: [],
      messages: [],
      valueTables: new Map(),
      attributeDefinitions: [],
      attributes: {},
      warnings: []
    }
  }

  parse (): CanDatabase {
    for (;;) {
      const t = this.peek()
      if (t.kind === 'eof') break
      if (t.kind !== 'identifier') throw this.error(t, 'a DBC keyword')
      switch (t.text) {
        case 'VERSION': this.parseVersion(); break
        case 'NS_': this.parseNewSymbols(); break
        case 'BS_': this.parseBitTiming(); break
        case 'BU_': this.parseNodes(); break
        case 'BO_': this.parseMessage(); break
        case 'SG_': throw this.error(t, 'BO_ before this SG_')
        case 'CM_': this.parseComment(); break
        case 'VAL_TABLE_': this.parseValueTable(); break
        case 'VAL_': this.parseValueDescriptions(); break
        case 'BA_DEF_': this.parseAttributeDefinition(); break
        case 'BA_DEF_DEF_': this.parseAttributeDefault(); break
        case 'BA_': this.parseAttribute(); break
        case 'SIG_VALTYPE_': this.parseSignalValueType(); break
        case 'BO_TX_BU_': this.parseTransmitters(); break
        case 'SG_MUL_VAL_': this.parseMultiplexValues(); break
        default: this.skipStatement()
      }
    }
    this.resolveMultiplexing()
    this.resolveCycleTimes()
    return this.db
  }

  // --- token helpers ---

  private peek (offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token
  }

  private next (): Token {
    const t = this.peek()
    if (t.kind !== 'eof') this.pos++
    return t
  }

  private error (t: Token, expected: string): DbcParseError {
    return new DbcParseError(this.fileName, t.line, t.column, expected, describe(t))
  }

  private isPunct (c: string, t = this.peek()): boolean {
    return t.kind === 'punct' && t.text === c
  }

  private expectPunct (c: string, what = `'${c}'`): Token {
    const t = this.next()
    if (!this.isPunct(c, t)) throw this.error(t, what)
    return t
  }

  private expectIdentifier (what: string): string {
    const t = this.next()
    if (t.kind !== 'identifier') throw this.error(t, what)
    return t.text
  }

  private expectString (what: string): string {
    const t = this.next()
    if (t.kind !== 'string') throw this.error(t, what)
    return t.text
  }

  private expectNumber (what: string): number {
    const t = this.next()
    const value = t.kind === 'number' ? Number(t.text) : NaN
    if (!Number.isFinite(value)) throw this.error(t, what)
    return value
  }

  private expectInteger (what: string, min: number, max: number): number {
    const t = this.peek()
    const value = this.expectNumber(what)
    if (!Number.isInteger(value) || value < min || value > max) throw this.error(t, what)
    return value
  }

  private acceptSemicolon (): void {
    if (this.isPunct(';')) this.next()
  }

  private warn (t: Token, message: string): void {
    this.db.warnings.push(`${this.fileName}:${t.line}:${t.column}: ${message}`)
  }

  /** Whether `t` begins a new statement: a keyword at the start of a line. */
  private startsStatement (t: Token): boolean {
    return t.kind === 'eof' ||
      (t.lineStart && t.kind === 'identifier' && (KEYWORDS.has(t.text) || KEYWORD_SHAPE.test(t.text)))
  }

  /** Skips a statement we do not model: up to its ';' or the next statement, whichever comes first. */
  private skipStatement (): void {
    this.next()
    for (;;) {
      const t = this.peek()
      if (this.startsStatement(t)) return
      this.next()
      if (this.isPunct(';', t)) return
    }
  }

  // --- sections ---

  private parseVersion (): void {
    this.next()
    this.db.version = this.expectString('a quoted version string after VERSION')
  }

  /** NS_ : followed by the new-symbol keywords, one per indented line. */
  private parseNewSymbols (): void {
    this.next()
    this.expectPunct(':', '\':\' after NS_')
    for (;;) {
      const t = this.peek()
      if (t.kind !== 'identifier' || (t.lineStart && t.column === 1)) return
      this.next()
    }
  }

  /** BS_: [baudrate : BTR1 , BTR2] — obsolete, read and dropped. */
  private parseBitTiming (): void {
    this.next()
    this.expectPunct(':', '\':\' after BS_')
    while (!this.peek().lineStart) this.next()
  }

  private parseNodes (): void {
    this.next()
    this.expectPunct(':', '\':\' after BU_')
    for (;;) {
      const t = this.peek()
      if (t.kind !== 'identifier' || (t.lineStart && (t.column === 1 || this.startsStatement(t)))) return
      this.next()
      this.db.nodes.push({ name: t.text, attributes: {} })
    }
  }

  /** BO_ <id> <name>: <length> <sender>, then its SG_ lines. */
  private parseMessage (): void {
    this.next()
    const idToken = this.peek()
    const frameId = this.expectInteger('a message id (unsigned 32-bit integer)', 0, 0xffff_ffff)
    const name = this.expectIdentifier('a message name')
    this.expectPunct(':', `':' after message name ${name}`)
    const length = this.expectInteger('a message length in bytes (0..64)', 0, 64)
    const sender = this.expectIdentifier(`the sending node of message ${name}`)
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
      attributes: {}
    }
    if (this.messagesByFrameId.has(frameId)) {
      throw new DbcParseError(this.fileName, idToken.line, idToken.column, 'a message id not defined before', `duplicate id ${frameId} in BO_ ${name}`)
    }
    while (this.peek().kind === 'identifier' && this.peek().text === 'SG_') {
      message.signals.push(this.parseSignal(message))
    }
    this.messagesByFrameId.set(frameId, message)
    this.db.messages.push(message)
  }

  /**
   * SG_ <name> [M | mN | mNM] : <start>|<length>@<order><sign> (<factor>,<offset>)
   *     [<min>|<max>] "<unit>" <receiver>[,<receiver>...]
   */
  private parseSignal (message: CanMessage): CanSignal {
    this.next()
    const name = this.expectIdentifier('a signal name after SG_')
    let isMultiplexer = false
    let muxValue: number | undefined
    const markerToken = this.peek()
    if (markerToken.kind === 'identifier') {
      const marker = MULTIPLEX_MARKER.exec(markerToken.text)
      if (marker === null) throw this.error(markerToken, `':' or a multiplexer marker (M, mN, mNM) after signal ${name}`)
      this.next()
      isMultiplexer = marker[1] === undefined || marker[2] === 'M'
      if (marker[1] !== undefined) muxValue = Number(marker[1])
    }
    this.expectPunct(':', `':' after signal name ${name}`)
    const startBit = this.expectInteger(`the start bit of signal ${name}`, 0, 511)
    this.expectPunct('|', `'|' between start bit and length of signal ${name}`)
    const length = this.expectInteger(`the bit length (1..64) of signal ${name}`, 1, 64)
    this.expectPunct('@', `'@' before the byte order of signal ${name}`)
    const orderToken = this.next()
    if (orderToken.kind !== 'number' || (orderToken.text !== '0' && orderToken.text !== '1')) {
      throw this.error(orderToken, `byte order 1 (Intel) or 0 (Motorola) for signal ${name}`)
    }
    const signToken = this.next()
    if (!this.isPunct('+', signToken) && !this.isPunct('-', signToken)) {
      throw this.error(signToken, `'+' (unsigned) or '-' (signed) for signal ${name}`)
    }
    this.expectPunct('(', `'(' before factor of signal ${name}`)
    const factor = this.expectNumber(`the factor of signal ${name}`)
    this.expectPunct(',', `',' between factor and offset of signal ${name}`)
    const offset = this.expectNumber(`the offset of signal ${name}`)
    this.expectPunct(')', `')' after offset of signal ${name}`)
    this.expectPunct('[', `'[' before minimum of signal ${name}`)
    const minimum = this.expectNumber(`the minimum of signal ${name}`)
    this.expectPunct('|', `'|' between minimum and maximum of signal ${name}`)
    const maximum = this.expectNumber(`the maximum of signal ${name}`)
    this.expectPunct(']', `']' after maximum of signal ${name}`)
    const unit = this.expectString(`the quoted unit of signal ${name}`)
    const receivers: string[] = []
    for (;;) {
      const t = this.peek()
      if (t.lineStart || t.kind === 'eof') break
      this.next()
      if (t.kind === 'identifier') receivers.push(t.text)
      else if (!this.isPunct(',', t)) throw this.error(t, `a receiving node of signal ${name}`)
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
    if (muxValue !== undefined) this.pendingMultiplex.push({ message, signal, value: muxValue, token: markerToken })
    return signal
  }

  /** CM_ [BU_ <node> | BO_ <id> | SG_ <id> <signal> | EV_ <name>] "<text>" ; */
  private parseComment (): void {
    const keyword = this.next()
    const t = this.peek()
    if (t.kind === 'string') {
      this.next()
      this.db.comment = t.text
    } else if (t.kind === 'identifier' && t.text === 'BU_') {
      this.next()
      const node = this.expectIdentifier('a node name after CM_ BU_')
      const text = this.expectString('a quoted comment')
      const target = this.db.nodes.find((n) => n.name === node)
      if (target === undefined) this.warn(keyword, `CM_ for unknown node ${node}`)
      else target.comment = text
    } else if (t.kind === 'identifier' && t.text === 'BO_') {
      this.next()
      const message = this.messageRef()
      const text = this.expectString('a quoted comment')
      if (message !== undefined) message.comment = text
    } else if (t.kind === 'identifier' && t.text === 'SG_') {
      this.next()
      const signal = this.signalRef()
      const text = this.expectString('a quoted comment')
      if (signal !== undefined) signal.comment = text
    } else if (t.kind === 'identifier' && t.text === 'EV_') {
      this.next()
      this.expectIdentifier('an environment variable name after CM_ EV_')
      this.expectString('a quoted comment')
    } else {
      throw this.error(t, 'a quoted comment or BU_, BO_, SG_, EV_ after CM_')
    }
    this.expectPunct(';', '\';\' after comment')
  }

  /** VAL_TABLE_ <name> (<value> "<description>")* ; */
  private parseValueTable (): void {
    this.next()
    const name = this.expectIdentifier('a value table name after VAL_TABLE_')
    this.db.valueTables.set(name, this.parseChoices())
  }

  /** VAL_ <message id> <signal> (<value> "<description>")* ;  (or VAL_ <env var> ... ;) */
  private parseValueDescriptions (): void {
    this.next()
    if (this.peek().kind === 'identifier') {
      // Descriptions of an environment variable: not modelled.
      this.next()
      this.parseChoices()
      return
    }
    const signal = this.signalRef()
    const choices = this.parseChoices()
    if (signal !== undefined) signal.choices = choices
  }

  private parseChoices (): Map<number, string> {
    const choices = new Map<number, string>()
    while (!this.isPunct(';')) {
      const value = this.expectNumber('a raw value, or \';\' to end the value descriptions')
      choices.set(value, this.expectString(`a quoted description of value ${value}`))
    }
    this.next()
    return choices
  }

  /** BA_DEF_ [BU_|BO_|SG_|EV_] "<name>" INT|HEX|FLOAT <min> <max> | STRING | ENUM "<a>",... ; */
  private parseAttributeDefinition (): void {
    this.next()
    let objectType: AttributeObjectType = ''
    const t = this.peek()
    if (t.kind === 'identifier') {
      if (t.text !== 'BU_' && t.text !== 'BO_' && t.text !== 'SG_' && t.text !== 'EV_') {
        throw this.error(t, 'BU_, BO_, SG_, EV_ or a quoted attribute name after BA_DEF_')
      }
      objectType = t.text
      this.next()
    }
    const name = this.expectString('a quoted attribute name')
    const typeToken = this.peek()
    const valueType = this.expectIdentifier(`the value type (INT, HEX, FLOAT, STRING, ENUM) of attribute ${name}`)
    const definition: AttributeDefinition = { name, objectType, valueType: 'STRING' }
    switch (valueType) {
      case 'INT':
      case 'HEX':
      case 'FLOAT':
        definition.valueType = valueType
        // Some generators leave out the range; keep it only when written.
        if (this.peek().kind === 'number') {
          definition.minimum = this.expectNumber(`the minimum of attribute ${name}`)
          definition.maximum = this.expectNumber(`the maximum of attribute ${name}`)
        }
        break
      case 'STRING':
        break
      case 'ENUM': {
        definition.valueType = 'ENUM'
        const values: string[] = []
        while (this.peek().kind === 'string') {
          values.push(this.next().text)
          if (this.isPunct(',')) this.next()
        }
        definition.enumValues = values
        break
      }
      default:
        throw this.error(typeToken, `the value type (INT, HEX, FLOAT, STRING, ENUM) of attribute ${name}`)
    }
    this.expectPunct(';', `';' after the definition of attribute ${name}`)
    this.db.attributeDefinitions.push(definition)
  }

  /** BA_DEF_DEF_ "<name>" <value> ; */
  private parseAttributeDefault (): void {
    const keyword = this.next()
    const name = this.expectString('a quoted attribute name after BA_DEF_DEF_')
    const value = this.attributeValue(name)
    this.expectPunct(';', `';' after the default of attribute ${name}`)
    const definition = this.db.attributeDefinitions.find((d) => d.name === name)
    if (definition === undefined) this.warn(keyword, `BA_DEF_DEF_ for undefined attribute ${name}`)
    else definition.defaultValue = value
  }

  /** BA_ "<name>" [BU_ <node> | BO_ <id> | SG_ <id> <signal> | EV_ <name>] <value> ; */
  private parseAttribute (): void {
    const keyword = this.next()
    const name = this.expectString('a quoted attribute name after BA_')
    const t = this.peek()
    let target: Record<string, AttributeValue> | undefined = this.db.attributes
    if (t.kind === 'identifier') {
      this.next()
      switch (t.text) {
        case 'BU_': {
          const node = this.expectIdentifier('a node name')
          target = this.db.nodes.find((n) => n.name === node)?.attributes
          if (target === undefined) this.warn(keyword, `BA_ ${name} for unknown node ${node}`)
          break
        }
        case 'BO_':
          target = this.messageRef()?.attributes
          break
        case 'SG_':
          target = this.signalRef()?.attributes
          break
        case 'EV_':
          this.expectIdentifier('an environment variable name')
          target = undefined
          break
        default:
          throw this.error(t, 'BU_, BO_, SG_, EV_ or a value')
      }
    }
    const value = this.attributeValue(name)
    this.expectPunct(';', `';' after the value of attribute ${name}`)
    if (target !== undefined) target[name] = value
  }

  private attributeValue (name: string): AttributeValue {
    const t = this.peek()
    if (t.kind === 'string') return this.next().text
    return this.expectNumber(`a value for attribute ${name}`)
  }

  /** SIG_VALTYPE_ <message id> <signal> : 1|2 ; */
  private parseSignalValueType (): void {
    this.next()
    const signal = this.signalRef()
    if (this.isPunct(':')) this.next()
    const t = this.peek()
    const code = this.expectInteger('a signal value type 0 (integer), 1 (float32) or 2 (double)', 0, 2)
    this.expectPunct(';', '\';\' after SIG_VALTYPE_')
    if (signal === undefined) return
    const expectedLength = code === 1 ? 32 : code === 2 ? 64 : signal.length
    if (signal.length !== expectedLength) {
      throw new DbcParseError(this.fileName, t.line, t.column, `a signal of ${expectedLength} bits for value type ${code}`, `signal ${signal.name} of ${signal.length} bits`)
    }
    signal.valueType = code === 1 ? 'float32' : code === 2 ? 'float64' : 'integer'
  }

  /** BO_TX_BU_ <message id> : <node>[,<node>...] ; */
  private parseTransmitters (): void {
    this.next()
    const message = this.messageRef()
    this.expectPunct(':', '\':\' after the message id of BO_TX_BU_')
    const nodes: string[] = []
    while (!this.isPunct(';')) {
      const t = this.next()
      if (t.kind === 'identifier') nodes.push(t.text)
      else if (!this.isPunct(',', t)) throw this.error(t, 'a node name or \';\'')
    }
    this.next()
    if (message !== undefined) message.transmitters = nodes
  }

  /** SG_MUL_VAL_ <message id> <signal> <switch> <lo>-<hi>[, <lo>-<hi>...] ; (extended multiplexing) */
  private parseMultiplexValues (): void {
    this.next()
    const signal = this.signalRef()
    const switchName = this.expectIdentifier('the name of the multiplexer switch')
    const ranges: Array<readonly [number, number]> = []
    while (!this.isPunct(';')) {
      const lo = this.expectInteger('the low end of a multiplexer range', 0, Number.MAX_SAFE_INTEGER)
      let hi: number
      const t = this.peek()
      // The lexer reads "1-3" as 1 and -3: the sign belongs to the range.
      if (t.kind === 'number' && t.text.startsWith('-')) {
        this.next()
        hi = -Number(t.text)
      } else {
        this.expectPunct('-', '\'-\' in a multiplexer range')
        hi = this.expectInteger('the high end of a multiplexer range', 0, Number.MAX_SAFE_INTEGER)
      }
      ranges.push([lo, hi])
      if (this.isPunct(',')) this.next()
    }
    this.next()
    if (signal === undefined) return
    signal.multiplexedBy = { switchName, ranges }
    this.extendedMultiplexed.add(signal)
  }

  /** `<message id>`: the message, or undefined (with a warning) when the DBC never defined it. */
  private messageRef (): CanMessage | undefined {
    const t = this.peek()
    const frameId = this.expectInteger('a message id', 0, 0xffff_ffff)
    const message = this.messagesByFrameId.get(frameId)
    if (message === undefined) this.warn(t, `reference to undefined message ${frameId}`)
    return message
  }

  /** `<message id> <signal name>`: the signal, or undefined (with a warning). */
  private signalRef (): CanSignal | undefined {
    const message = this.messageRef()
    const t = this.peek()
    const name = this.expectIdentifier('a signal name')
    if (message === undefined) return undefined
    const signal = message.signals.find((s) => s.name === name)
    if (signal === undefined) this.warn(t, `reference to undefined signal ${name} of message ${message.name}`)
    return signal
  }

  // --- after the last statement ---

  /** Plain `mN` markers refer to the message's `M` switch (unless SG_MUL_VAL_ said otherwise). */
  private resolveMultiplexing (): void {
    const multiplexed = new Set(this.pendingMultiplex.map((p) => p.signal))
    for (const { message, signal, value, token } of this.pendingMultiplex) {
      if (this.extendedMultiplexed.has(signal)) continue
      // The top-level switch: marked M, not itself multiplexed (mNM).
      const switchSignal = message.signals.find((s) => s.isMultiplexer && !multiplexed.has(s))
      if (switchSignal === undefined) {
        throw new DbcParseError(this.fileName, token.line, token.column, `a multiplexer switch (M) in message ${message.name}`, `multiplexed signal ${signal.name} without one`)
      }
      signal.multiplexedBy = { switchName: switchSignal.name, ranges: [[value, value]] }
    }
  }

  private resolveCycleTimes (): void {
    const defaultCycle = this.db.attributeDefinitions.find((d) => d.name === 'GenMsgCycleTime' && d.objectType === 'BO_')?.defaultValue
    for (const message of this.db.messages) {
      const cycle = message.attributes.GenMsgCycleTime ?? defaultCycle
      if (typeof cycle === 'number' && cycle > 0) message.cycleTimeMs = cycle
    }
  }
}

function describe (t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file'
    case 'string': return `string "${t.text.length > 40 ? t.text.slice(0, 40) + '...' : t.text}"`
    default: return `'${t.text}'`
  }
}
