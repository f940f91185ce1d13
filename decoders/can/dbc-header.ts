/** The statements that open a DBC file: VERSION, NS_, BS_ and BU_ (the nodes). */
import type { DbcReader } from './dbc-reader.js'

export function parseVersion (r: DbcReader): void {
  r.next()
  r.db.version = r.expectString('a quoted version string after VERSION')
}

/**
 * NS_ : followed by the new-symbol keywords (NS_DESC_, CM_, BA_DEF_, ...),
 * usually one per indented line, though some files start them in column 1.
 * As in cantools, the list ends at the first word followed by ':' (BS_:,
 * BU_:), wherever it stands; it also ends before a line holding more than
 * words (`BO_ 100 ...`, `CM_ "..."`), so that a file without BS_ and BU_
 * still reads its statements.
 */
export function parseNewSymbols (r: DbcReader): void {
  r.next()
  r.expectPunct(':', '\':\' after NS_')
  for (;;) {
    const t = r.peek()
    if (t.kind !== 'identifier' || r.isPunct(':', r.peek(1))) return
    if (t.lineStart && !wordsOnly(r)) return
    r.next()
  }
}

/** Whether the line starting at the reader's token holds identifiers only. */
function wordsOnly (r: DbcReader): boolean {
  for (let i = 1; ; i++) {
    const t = r.peek(i)
    if (t.lineStart) return true
    if (t.kind !== 'identifier') return false
  }
}

/** BS_: [baudrate : BTR1 , BTR2] — obsolete, read and dropped. */
export function parseBitTiming (r: DbcReader): void {
  r.next()
  r.expectPunct(':', '\':\' after BS_')
  while (!r.peek().lineStart) r.next()
}

/** BU_: <node> <node> ... — on one line, or continued on indented lines. */
export function parseNodes (r: DbcReader): void {
  r.next()
  r.expectPunct(':', '\':\' after BU_')
  for (;;) {
    const t = r.peek()
    if (t.kind !== 'identifier' || (t.lineStart && (t.column === 1 || r.startsStatement(t)))) return
    r.next()
    r.noteQuirkyName(t, 'a node name')
    r.addNode({ name: t.text, attributes: {} }, t)
  }
}
