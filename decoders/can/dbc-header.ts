/** The statements that open a DBC file: VERSION, NS_, BS_ and BU_ (the nodes). */
import type { DbcReader } from './dbc-reader.js'

export function parseVersion (r: DbcReader): void {
  r.next()
  r.db.version = r.expectString('a quoted version string after VERSION')
}

/** NS_ : followed by the new-symbol keywords, one per indented line. */
export function parseNewSymbols (r: DbcReader): void {
  r.next()
  r.expectPunct(':', '\':\' after NS_')
  for (;;) {
    const t = r.peek()
    if (t.kind !== 'identifier' || (t.lineStart && t.column === 1)) return
    r.next()
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
