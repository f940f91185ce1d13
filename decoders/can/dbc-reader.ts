/**
 * The state one DBC parse works on: the token stream with its expect-helpers,
 * the database under construction and the indexes that let later statements
 * (CM_, BA_, VAL_, ...) find what they refer to in constant time. The
 * statement parsers in dbc-*.ts each take a reader and consume one statement.
 */
import type { AttributeDefinition, CanDatabase, CanMessage, CanNode, CanSignal } from './model.js'
import { DbcParseError, tokenize, type Token } from './dbc-lexer.js'

const KEYWORDS = new Set([
  'VERSION', 'NS_', 'BS_', 'BU_', 'BO_', 'SG_', 'CM_', 'VAL_TABLE_', 'VAL_', 'BA_DEF_', 'BA_DEF_DEF_', 'BA_',
  'SIG_VALTYPE_', 'BO_TX_BU_', 'SG_MUL_VAL_', 'EV_', 'ENVVAR_DATA_', 'SIG_GROUP_', 'SGTYPE_', 'SIG_TYPE_REF_',
  'BA_DEF_REL_', 'BA_REL_', 'BA_DEF_DEF_REL_', 'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'CAT_DEF_', 'CAT_', 'FILTER',
  'NS_DESC_', 'SIGTYPE_VALTYPE_', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_', 'SGTYPE_VAL_', 'EV_DATA_'
])

/** Upper-case words ending in '_' at the start of a line are statement keywords, known to us or not. */
const KEYWORD_SHAPE = /^[A-Z][A-Z0-9_]*_$/

/** An `mN` marker, resolved against the message's switch once every statement is read. */
interface PendingMultiplex {
  message: CanMessage
  signal: CanSignal
  value: number
  token: Token
}

export class DbcReader {
  readonly fileName: string
  readonly db: CanDatabase
  readonly messagesByFrameId = new Map<number, CanMessage>()
  readonly nodesByName = new Map<string, CanNode>()
  /** The first BA_DEF_ of each name: BA_DEF_DEF_ and BA_ refer to attributes by name alone. */
  readonly definitionsByName = new Map<string, AttributeDefinition>()
  readonly pendingMultiplex: PendingMultiplex[] = []
  /** Signals whose multiplex condition SG_MUL_VAL_ gave explicitly, with where it did. */
  readonly extendedMultiplexed = new Map<CanSignal, Token>()
  private readonly signalsByMessage = new Map<CanMessage, Map<string, CanSignal>>()
  private readonly tokens: Token[]
  private pos = 0

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

  peek (offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token
  }

  next (): Token {
    const t = this.peek()
    if (t.kind !== 'eof') this.pos++
    return t
  }

  error (t: Token, expected: string, found = describe(t)): DbcParseError {
    return new DbcParseError(this.fileName, t.line, t.column, expected, found)
  }

  warn (t: Token, message: string): void {
    this.db.warnings.push(`${this.fileName}:${t.line}:${t.column}: ${message}`)
  }

  isPunct (c: string, t = this.peek()): boolean {
    return t.kind === 'punct' && t.text === c
  }

  isIdentifier (text: string, t = this.peek()): boolean {
    return t.kind === 'identifier' && t.text === text
  }

  expectPunct (c: string, what = `'${c}'`): Token {
    const t = this.next()
    if (!this.isPunct(c, t)) throw this.error(t, what)
    return t
  }

  expectIdentifier (what: string): string {
    const t = this.next()
    if (t.kind !== 'identifier') throw this.error(t, what)
    return t.text
  }

  expectString (what: string): string {
    const t = this.next()
    if (t.kind !== 'string') throw this.error(t, what)
    return t.text
  }

  expectNumber (what: string): number {
    const t = this.next()
    const value = t.kind === 'number' ? Number(t.text) : NaN
    if (!Number.isFinite(value)) throw this.error(t, what)
    return value
  }

  expectInteger (what: string, min: number, max: number): number {
    const t = this.peek()
    const value = this.expectNumber(what)
    if (!Number.isInteger(value) || value < min || value > max) throw this.error(t, what)
    return value
  }

  /** Whether `t` begins a new statement: a keyword at the start of a line. */
  startsStatement (t: Token): boolean {
    return t.kind === 'eof' ||
      (t.lineStart && t.kind === 'identifier' && (KEYWORDS.has(t.text) || KEYWORD_SHAPE.test(t.text)))
  }

  /**
   * Skips a statement we do not model (EV_, SIG_GROUP_, BA_DEF_REL_, BA_REL_,
   * ...): up to its ';' or the next statement, whichever comes first.
   */
  skipStatement (): void {
    this.next()
    for (;;) {
      const t = this.peek()
      if (this.startsStatement(t)) return
      this.next()
      if (this.isPunct(';', t)) return
    }
  }

  addNode (node: CanNode, t: Token): void {
    if (this.nodesByName.has(node.name)) {
      this.warn(t, `node ${node.name} listed twice in BU_`)
      return
    }
    this.nodesByName.set(node.name, node)
    this.db.nodes.push(node)
  }

  addMessage (message: CanMessage): void {
    this.messagesByFrameId.set(message.frameId, message)
    this.signalsByMessage.set(message, new Map(message.signals.map((s) => [s.name, s])))
    this.db.messages.push(message)
  }

  signalOf (message: CanMessage, name: string): CanSignal | undefined {
    return this.signalsByMessage.get(message)?.get(name)
  }

  /** `<message id>`: the message, or undefined (with a warning) when the DBC never defined it. */
  messageRef (): CanMessage | undefined {
    const t = this.peek()
    const frameId = this.expectInteger('a message id', 0, 0xffff_ffff)
    const message = this.messagesByFrameId.get(frameId)
    if (message === undefined) this.warn(t, `reference to undefined message ${frameId}`)
    return message
  }

  /** `<message id> <signal name>`: the signal, or undefined (with a warning). */
  signalRef (): CanSignal | undefined {
    const message = this.messageRef()
    const t = this.peek()
    const name = this.expectIdentifier('a signal name')
    if (message === undefined) return undefined
    const signal = this.signalOf(message, name)
    if (signal === undefined) this.warn(t, `reference to undefined signal ${name} of message ${message.name}`)
    return signal
  }
}

function describe (t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file'
    case 'string': return `string "${t.text.length > 40 ? t.text.slice(0, 40) + '...' : t.text}"`
    default: return `'${t.text.length > 40 ? t.text.slice(0, 40) + '...' : t.text}'`
  }
}
