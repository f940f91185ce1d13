/**
 * DBC text -> tokens, each with its line and column so that the parser can
 * say exactly where a file went wrong. DBC has no formal grammar from Vector;
 * the token set here follows what cantools and the opendbc files accept.
 */
import { PitwallError } from '../../runtime/errors.js'

/** `unknown`: a character no DBC token starts with; the parser refuses it where it matters and skips it where it does not. */
export type TokenKind = 'identifier' | 'number' | 'string' | 'punct' | 'unknown' | 'eof'

export interface Token {
  kind: TokenKind
  /** Identifier or punctuation text, number text, or a string's unescaped content. */
  text: string
  line: number
  column: number
  /** First token on its line: statement keywords start lines in practice. */
  lineStart: boolean
  /**
   * An identifier outside the DBC grammar that real files use anyway: one
   * that starts with a digit (`2017_5`, `0_COUNTER`) or has letters beyond
   * ASCII. The parser accepts it where a name belongs, with a warning.
   */
  quirk?: 'digit' | 'non-ascii'
}

export class DbcParseError extends PitwallError {
  readonly fileName: string
  readonly line: number
  readonly column: number
  readonly expected: string
  readonly found: string

  constructor (fileName: string, line: number, column: number, expected: string, found: string) {
    super('PITWALL_ERR_DBC_PARSE', `${fileName}:${line}:${column}: expected ${expected}, found ${found}`)
    this.fileName = fileName
    this.line = line
    this.column = column
    this.expected = expected
    this.found = found
  }
}

const PUNCTUATION = new Set([':', ';', ',', '|', '@', '(', ')', '[', ']', '+', '-'])

function isAsciiIdentStart (c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_'
}

const UNICODE_LETTER = /^\p{L}$/u

function isIdentStart (c: string): boolean {
  return isAsciiIdentStart(c) || (c > '\u007f' && UNICODE_LETTER.test(c))
}

function isIdentPart (c: string): boolean {
  return isIdentStart(c) || isDigit(c)
}

function isDigit (c: string): boolean {
  return c >= '0' && c <= '9'
}

/** Tokenises the whole text up front; DBC files are at most a few MB. */
export function tokenize (text: string, fileName: string): Token[] {
  const tokens: Token[] = []
  // A byte-order mark is not part of line 1: columns count from after it.
  let i = text.startsWith('\uFEFF') ? 1 : 0
  let line = 1
  let lineBegin = i
  let lastTokenLine = 0
  const n = text.length

  const push = (kind: TokenKind, value: string, start: number, startLine: number, startLineBegin: number, quirk?: Token['quirk']): void => {
    const token: Token = { kind, text: value, line: startLine, column: start - startLineBegin + 1, lineStart: startLine !== lastTokenLine }
    if (quirk !== undefined) token.quirk = quirk
    tokens.push(token)
    lastTokenLine = startLine
  }

  while (i < n) {
    const c = text[i] as string
    // A CR not followed by LF ends a line too: classic Mac OS files.
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      i++
      line++
      lineBegin = i
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') {
      i++
      continue
    }
    if (c === '/' && text[i + 1] === '/') {
      // Not in the DBC format, but some generators emit line comments.
      while (i < n && text[i] !== '\n') i++
      continue
    }
    const start = i
    if (c === '"') {
      // Strings may span lines (CM_ texts do); \" and \\ are escapes. A CRLF
      // inside becomes \n, so that a comment reads the same whatever the
      // file's line endings. The text is taken in runs between escapes.
      const startLine = line
      const startLineBegin = lineBegin
      const parts: string[] = []
      i++
      let run = i
      for (;;) {
        if (i >= n) throw new DbcParseError(fileName, startLine, start - startLineBegin + 1, 'a closing \'"\'', 'end of file')
        const s = text[i] as string
        if (s === '"') break
        if (s === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          parts.push(text.slice(run, i))
          run = i + 1
          i += 2
          continue
        }
        if (s === '\r' && text[i + 1] === '\n') {
          parts.push(text.slice(run, i))
          run = i + 1
        } else if (s === '\n' || s === '\r') {
          line++
          lineBegin = i + 1
        }
        i++
      }
      parts.push(text.slice(run, i))
      i++
      push('string', parts.join(''), start, startLine, startLineBegin)
      continue
    }
    if (isDigit(c) || ((c === '-' || c === '+' || c === '.') && startsNumber(text, i))) {
      i = scanNumber(text, i)
      // Digits running on into a name (`2017_5`, `0_COUNTER`, `4WD`) make one
      // identifier: cantools and opendbc read such names. A number with a sign
      // or a fraction never becomes a name.
      if (isDigit(c) && i < n && isIdentPart(text[i] as string) && /^[0-9]+$/.test(text.slice(start, i))) {
        while (i < n && isIdentPart(text[i] as string)) i++
        push('identifier', text.slice(start, i), start, line, lineBegin, 'digit')
        continue
      }
      push('number', text.slice(start, i), start, line, lineBegin)
      continue
    }
    if (isIdentStart(c)) {
      let ascii = true
      while (i < n && isIdentPart(text[i] as string)) {
        if ((text[i] as string) > '\u007f') ascii = false
        i++
      }
      push('identifier', text.slice(start, i), start, line, lineBegin, ascii ? undefined : 'non-ascii')
      continue
    }
    if (PUNCTUATION.has(c)) {
      i++
      push('punct', c, start, line, lineBegin)
      continue
    }
    // Left to the parser: inside a statement it skips, a stray character costs nothing.
    const width = (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1
    push('unknown', describeCharacter(text, i), start, line, lineBegin)
    i += width
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineBegin + 1, lineStart: true })
  return tokens
}

/**
 * A sign starts a number only when a digit (or '.' digit) follows directly,
 * so that the sign of `@1-` or `@0+` in an SG_ line stays punctuation.
 */
function startsNumber (text: string, i: number): boolean {
  let j = i
  if (text[j] === '-' || text[j] === '+') j++
  if (text[j] === '.') j++
  return isDigit(text[j] ?? '')
}

function scanNumber (text: string, i: number): number {
  let j = i
  if (text[j] === '-' || text[j] === '+') j++
  if (text[j] === '0' && (text[j + 1] === 'x' || text[j + 1] === 'X')) {
    j += 2
    while (/[0-9a-fA-F]/.test(text[j] ?? '')) j++
    return j
  }
  while (isDigit(text[j] ?? '')) j++
  if (text[j] === '.') {
    j++
    while (isDigit(text[j] ?? '')) j++
  }
  if (text[j] === 'e' || text[j] === 'E') {
    let k = j + 1
    if (text[k] === '-' || text[k] === '+') k++
    if (isDigit(text[k] ?? '')) {
      while (isDigit(text[k] ?? '')) k++
      j = k
    }
  }
  return j
}

/** A stray character, by code point too when it would not show in a message. */
function describeCharacter (text: string, i: number): string {
  const code = text.codePointAt(i) ?? 0
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
  return code < 0x20 || (code >= 0x7f && code < 0xa0) ? `character ${hex}` : `'${String.fromCodePoint(code)}' (${hex})`
}
