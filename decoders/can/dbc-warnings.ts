/**
 * What a lenient DBC parse assumed or ignored, each with where it did. Real
 * files (opendbc's, OEM exports, hand edits) break the grammar in a handful of
 * recurring ways that cantools (non-strict) and opendbc read anyway; Pitwall
 * reads them too and says so here. A strict parse turns every one of these
 * into a DbcParseError at the same position.
 */

export type DbcWarningKind =
  /** A message, signal or node name that starts with a digit (`2017_5`, `0_COUNTER`): read as a name. */
  | 'name-starts-with-digit'
  /** A name with letters outside ASCII: read as a name. */
  | 'non-ascii-name'
  /** A bare `m` marker (no switch value): the condition comes from SG_MUL_VAL_, else the signal is always present. */
  | 'bare-multiplexer'
  /** An `mN` signal in a message without a switch: decoded in every frame (as opendbc does). */
  | 'multiplexed-without-switch'
  /** SG_MUL_VAL_ names a switch not marked M / mNM: used as the switch anyway. */
  | 'switch-not-multiplexer'
  /** A statement not closed by `;` before the next statement or the end of the file: closed there. */
  | 'missing-semicolon'
  /** A BO_ without its sending node: Vector__XXX assumed. */
  | 'missing-sender'
  /** A BO_ id above 0x7FF without bit 31 (the extended flag): read as a 29-bit extended id, as opendbc does. */
  | 'extended-id-without-flag'
  /** Two BO_ with one id: the later replaces the earlier (as cantools does). */
  | 'duplicate-message'
  /** Two BO_ with one name: lookups by name (a manifest's `from:`, encoding) take the first. */
  | 'duplicate-message-name'
  /** Two SG_ with one name in a message: the later replaces the earlier. */
  | 'duplicate-signal'
  /** A node listed twice in BU_. */
  | 'duplicate-node'
  /** SIG_VALTYPE_ float / double on a signal of another length: decoded as an integer. */
  | 'value-type-length'
  /** A statement other than BO_ / SG_ that does not read (as opendbc does, it is left out). */
  | 'statement-skipped'
  /** A BO_ that does not read or that no frame can carry (over 64 bytes): left out with its SG_ lines. */
  | 'message-skipped'
  /** An SG_ line that does not read or lies past a 64-byte frame: that signal is left out, the message kept. */
  | 'signal-skipped'
  /** CM_, BA_, VAL_, ... for a message, signal or node the file never defines. */
  | 'undefined-reference'
  /** A signal whose bits reach past its message's length: decoded only from frames long enough. */
  | 'signal-outside-message'
  /** Two signals of a message that can be present in one frame share bits. */
  | 'overlapping-signals'

export interface DbcWarning {
  readonly kind: DbcWarningKind
  readonly fileName: string
  readonly line: number
  readonly column: number
  /** What was found and what was assumed, without the position. */
  readonly message: string
}

/** `file:line:column: message`, the form compilers use, so editors can jump to it. */
export function formatDbcWarning (w: DbcWarning): string {
  return `${w.fileName}:${w.line}:${w.column}: ${w.message}`
}

/** How many warnings of each kind, for summaries (`pitwall manifests check`, the closing counts). */
export function countWarningKinds (warnings: readonly DbcWarning[]): Partial<Record<DbcWarningKind, number>> {
  const counts: Partial<Record<DbcWarningKind, number>> = {}
  for (const w of warnings) counts[w.kind] = (counts[w.kind] ?? 0) + 1
  return counts
}
