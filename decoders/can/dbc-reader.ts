/**
 * The state one DBC parse works on: the token stream with its expect-helpers,
 * the database under construction and the indexes that let later statements
 * (CM_, BA_, VAL_, ...) find what they refer to in constant time. The
 * statement parsers in dbc-*.ts each take a reader and consume one statement.
 */
import type { AttributeDefinition, CanDatabase, CanMessage, CanNode, CanSignal } from './model.js'
import { DbcParseError, tokenize, type Token } from './dbc-lexer.js'
import { messageKey } from './dbc-messages.js'
import type { DbcWarningKind } from './dbc-warnings.js'

export interface DbcParseOptions {
  /**
   * Refuse what a lenient parse would assume or ignore: every warning
   * (dbc-warnings.ts) becomes a DbcParseError at its position. Default false:
   * read what cantools and opendbc read.
   */
  strict?: boolean
}

/** What a strict parse would have said: `expected X, found Y`. */
export interface StrictError {
  expected: string
  found: string
}

const KEYWORDS = new Set([
  'VERSION', 'NS_', 'BS_', 'BU_', 'BO_', 'SG_', 'CM_', 'VAL_TABLE_', 'VAL_', 'BA_DEF_', 'BA_DEF_DEF_', 'BA_',
  'SIG_VALTYPE_', 'BO_TX_BU_', 'SG_MUL_VAL_', 'EV_', 'ENVVAR_DATA_', 'SIG_GROUP_', 'SGTYPE_', 'SIG_TYPE_REF_',
  'BA_DEF_REL_', 'BA_REL_', 'BA_DEF_DEF_REL_', 'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'CAT_DEF_', 'CAT_', 'FILTER',
  'NS_DESC_', 'SIGTYPE_VALTYPE_', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_', 'SGTYPE_VAL_', 'EV_DATA_'
])

/** Upper-case words ending in '_' at the start of a line are statement keywords, known to us or not. */
const KEYWORD_SHAPE = /^[A-Z][A-Z0-9_]*_$/

/**
 * An `mN` marker (value N) or a bare `m` (value undefined), resolved against
 * the message's switch once every statement is read.
 */
interface PendingMultiplex {
  message: CanMessage
  signal: CanSignal
  value: number | undefined
  token: Token
}

export class DbcReader {
  readonly fileName: string
  readonly strict: boolean
  readonly db: CanDatabase
  /** By CanMessage.frameId: a reference's id goes through messageKey first. */
  readonly messagesByFrameId = new Map<number, CanMessage>()
  /** The first BO_ of each name, as the by-name lookups take it (CompiledCanNetwork.message, a manifest's `from:`). */
  private readonly messagesByName = new Map<string, CanMessage>()
  /** Ids of BO_ left out (dbc-messages.ts): statements about them are dropped without a further warning. */
  readonly skippedMessages = new Set<number>()
  private readonly skippedSignals = new Map<CanMessage, Set<string>>()
  readonly nodesByName = new Map<string, CanNode>()
  /** The first BA_DEF_ of each name: BA_DEF_DEF_ and BA_ refer to attributes by name alone. */
  readonly definitionsByName = new Map<string, AttributeDefinition>()
  readonly pendingMultiplex: PendingMultiplex[] = []
  /** Signals SG_MUL_VAL_ uses as switches though their SG_ line has no M: never a message's top switch. */
  readonly promotedSwitches = new Set<CanSignal>()
  /** Signals whose multiplex condition SG_MUL_VAL_ gave explicitly, with where it did. */
  readonly extendedMultiplexed = new Map<CanSignal, Token>()
  private readonly signalsByMessage = new Map<CanMessage, Map<string, CanSignal>>()
  /** Where each signal's SG_ line names it, for warnings found after the parse (overlaps). */
  private readonly signalTokens = new Map<CanSignal, Token>()
  private readonly tokens: Token[]
  private pos = 0

  constructor (text: string, fileName: string, options: DbcParseOptions = {}) {
    this.fileName = fileName
    this.strict = options.strict === true
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

  /** Where the reader is, to come back to when a statement is skipped. */
  get position (): number {
    return this.pos
  }

  rewind (position: number): void {
    this.pos = position
  }

  error (t: Token, expected: string, found = describe(t)): DbcParseError {
    return new DbcParseError(this.fileName, t.line, t.column, expected, found)
  }

  /**
   * Something the grammar does not allow, or that points at nothing, read
   * anyway: a warning saying what was assumed (`message`), or in a strict
   * parse the error `strictError` at the same position.
   */
  warn (t: Token, kind: DbcWarningKind, message: string, strictError: StrictError): void {
    if (this.strict) throw new DbcParseError(this.fileName, t.line, t.column, strictError.expected, strictError.found)
    this.db.warnings.push({ kind, fileName: this.fileName, line: t.line, column: t.column, message })
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

  /** A keyword-like word of the grammar (INT, BU_, ...): plain identifiers only. */
  expectIdentifier (what: string): string {
    const t = this.next()
    if (t.kind !== 'identifier' || t.quirk !== undefined) throw this.error(t, what)
    return t.text
  }

  /** The name of a message, signal, node or table: real files' quirky names are read with a warning. */
  expectName (what: string): string {
    const t = this.next()
    if (t.kind !== 'identifier') throw this.error(t, what)
    this.noteQuirkyName(t, what)
    return t.text
  }

  /** Warns about a name outside the grammar (`2017_5`, `Geschwindigkeit_Übersetzung`). */
  noteQuirkyName (t: Token, what: string): void {
    if (t.quirk === 'digit') {
      this.warn(t, 'name-starts-with-digit', `${t.text} (${what}) starts with a digit; read as a name, as cantools and opendbc do`,
        { expected: `${what} (a letter or '_' first)`, found: `'${t.text}'` })
    } else if (t.quirk === 'non-ascii') {
      this.warn(t, 'non-ascii-name', `${t.text} (${what}) has letters outside ASCII; read as a name`,
        { expected: `${what} (ASCII letters, digits and '_')`, found: `'${t.text}'` })
    }
  }

  /**
   * A statement's closing ';'. One missing before the next statement (a
   * keyword at the start of a line) or the end of the file is assumed there,
   * as opendbc reads files line by line.
   */
  endStatement (what: string): void {
    const t = this.peek()
    if (this.isPunct(';', t)) {
      this.next()
      return
    }
    if (!this.startsStatement(t)) throw this.error(t, `';' ${what}`)
    this.warn(t, 'missing-semicolon', `no ';' ${what}; the statement is taken to end before ${t.kind === 'eof' ? 'the end of the file' : t.text}`,
      { expected: `';' ${what}`, found: describe(t) })
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

  /** Steps to the next statement (a keyword at the start of a line), past any ';': what a left-out BO_ or SG_ line spans. */
  skipToStatement (): void {
    while (!this.startsStatement(this.peek())) this.next()
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
      this.warn(t, 'duplicate-node', `node ${node.name} listed twice in BU_; read once`,
        { expected: 'a node not listed before in BU_', found: `'${node.name}' again` })
      return
    }
    this.nodesByName.set(node.name, node)
    this.db.nodes.push(node)
  }

  /** `t`: the message's name in its BO_ line, where a name used before is reported. */
  addMessage (message: CanMessage, t: Token): void {
    const first = this.messagesByName.get(message.name)
    if (first === undefined) {
      this.messagesByName.set(message.name, message)
    } else {
      this.warn(t, 'duplicate-message-name', `message name ${message.name} is used by BO_ ${first.frameId} and BO_ ${message.frameId}; lookups by name (a manifest's from:, encoding) take the first, BO_ ${first.frameId}`,
        { expected: 'a message name not used before', found: `${message.name} again, in BO_ ${message.frameId} (first in BO_ ${first.frameId})` })
    }
    this.messagesByFrameId.set(message.frameId, message)
    this.signalsByMessage.set(message, new Map(message.signals.map((s) => [s.name, s])))
    this.db.messages.push(message)
  }

  /** Takes an earlier BO_ of the same id out, for the later to replace (as cantools' frame-id lookup does). */
  removeMessage (message: CanMessage): void {
    this.messagesByFrameId.delete(message.frameId)
    this.signalsByMessage.delete(message)
    this.db.messages.splice(this.db.messages.indexOf(message), 1)
    this.dropPending((p) => p.message === message)
    if (this.messagesByName.get(message.name) === message) {
      const next = this.db.messages.find((m) => m.name === message.name)
      if (next === undefined) this.messagesByName.delete(message.name)
      else this.messagesByName.set(message.name, next)
    }
  }

  /** Takes the markers `settled` picks off the pending list (a replaced message's, a replaced signal's, resolved ones). */
  dropPending (settled: (p: PendingMultiplex) => boolean): void {
    for (let i = this.pendingMultiplex.length - 1; i >= 0; i--) {
      if (settled(this.pendingMultiplex[i] as PendingMultiplex)) this.pendingMultiplex.splice(i, 1)
    }
  }

  noteSignalAt (signal: CanSignal, t: Token): void {
    this.signalTokens.set(signal, t)
  }

  tokenOf (signal: CanSignal): Token {
    return this.signalTokens.get(signal) ?? this.peek()
  }

  signalOf (message: CanMessage, name: string): CanSignal | undefined {
    return this.signalsByMessage.get(message)?.get(name)
  }

  /** An SG_ line left out (dbc-messages.ts): statements about the signal are dropped without a further warning. */
  noteSkippedSignal (message: CanMessage, name: string): void {
    const names = this.skippedSignals.get(message) ?? new Set<string>()
    names.add(name)
    this.skippedSignals.set(message, names)
  }

  /** A statement names signal `name`, which `message` does not have: a warning, unless its SG_ line was left out. */
  missingSignal (t: Token, message: CanMessage, name: string): void {
    if (this.skippedSignals.get(message)?.has(name) !== true) this.undefinedReference(t, `signal ${name} of message ${message.name}`)
  }

  /** `<message id>`: the message, or undefined (with a warning) when the DBC never defined it. */
  messageRef (): CanMessage | undefined {
    const t = this.peek()
    const writtenId = this.expectInteger('a message id', 0, 0xffff_ffff)
    const key = messageKey(writtenId)
    const message = this.messagesByFrameId.get(key)
    if (message === undefined && !this.skippedMessages.has(key)) this.undefinedReference(t, `message ${writtenId}`)
    return message
  }

  /** `<message id> <signal name>`: the signal, or undefined (with a warning). */
  signalRef (): CanSignal | undefined {
    const message = this.messageRef()
    const t = this.peek()
    const name = this.expectName('a signal name')
    if (message === undefined) return undefined
    const signal = this.signalOf(message, name)
    if (signal === undefined) this.missingSignal(t, message, name)
    return signal
  }

  /** A statement about `what`, which the file never defines: ignored. */
  undefinedReference (t: Token, what: string): void {
    this.warn(t, 'undefined-reference', `reference to undefined ${what}; ignored`,
      { expected: 'a reference to something the file defines', found: `reference to undefined ${what}` })
  }
}

function describe (t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file'
    case 'unknown': return t.text
    case 'string': return `string "${t.text.length > 40 ? t.text.slice(0, 40) + '...' : t.text}"`
    default: return `'${t.text.length > 40 ? t.text.slice(0, 40) + '...' : t.text}'`
  }
}
