/**
 * DBC text -> CanDatabase. Follows the Vector DBC file format as real files
 * use it (checked against the opendbc files): VERSION, NS_, BS_, BU_, BO_ with
 * SG_ (simple and extended multiplexing), CM_, VAL_TABLE_, VAL_, BA_DEF_,
 * BA_DEF_DEF_, BA_, SIG_VALTYPE_, BO_TX_BU_ and SG_MUL_VAL_. Other sections
 * (EV_, SIG_GROUP_, BA_DEF_REL_, BA_REL_, ...) are skipped. Each statement's
 * parser lives in the dbc-*.ts file named for what it describes.
 */
import { readFileSync } from 'node:fs'
import type { CanDatabase } from './model.js'
import { parseAttribute, parseAttributeDefault, parseAttributeDefinition, resolveAttributes } from './dbc-attributes.js'
import { parseComment, parseValueDescriptions, parseValueTable } from './dbc-comments.js'
import { parseBitTiming, parseNewSymbols, parseNodes, parseVersion } from './dbc-header.js'
import { parseMessage, parseSignalValueType, parseTransmitters } from './dbc-messages.js'
import { parseMultiplexValues, resolveMultiplexing } from './dbc-multiplex.js'
import { checkOverlaps } from './dbc-overlap.js'
import { DbcReader, type DbcParseOptions } from './dbc-reader.js'
import { DbcParseError } from './dbc-lexer.js'
import { decodeDbcBytes } from './dbc-text.js'

export { DbcParseError } from './dbc-lexer.js'
export type { DbcParseOptions } from './dbc-reader.js'

const STATEMENTS: Record<string, (r: DbcReader) => void> = {
  VERSION: parseVersion,
  NS_: parseNewSymbols,
  BS_: parseBitTiming,
  BU_: parseNodes,
  BO_: parseMessage,
  CM_: parseComment,
  VAL_TABLE_: parseValueTable,
  VAL_: parseValueDescriptions,
  BA_DEF_: parseAttributeDefinition,
  BA_DEF_DEF_: parseAttributeDefault,
  BA_: parseAttribute,
  SIG_VALTYPE_: parseSignalValueType,
  BO_TX_BU_: parseTransmitters,
  SG_MUL_VAL_: parseMultiplexValues
}

/**
 * Throws DbcParseError (file, line, column, what was expected) on text that
 * is not DBC. What real files get wrong in known ways is read with a warning
 * in `db.warnings` (dbc-warnings.ts), or refused with `strict`.
 */
export function parseDbc (text: string, fileName = '<string>', options: DbcParseOptions = {}): CanDatabase {
  const r = new DbcReader(text, fileName, options)
  for (;;) {
    const t = r.peek()
    if (t.kind === 'eof') break
    if (t.kind === 'unknown') throw r.error(t, 'a DBC token')
    if (r.isPunct(';', t)) {
      // `;;`: a statement closed twice, as some generators write.
      r.warn(t, 'statement-skipped', "a ';' with no statement before it; ignored", { expected: 'a DBC keyword', found: "';'" })
      r.next()
      continue
    }
    if (t.kind !== 'identifier') throw r.error(t, 'a DBC keyword')
    if (t.text === 'SG_') throw r.error(t, 'BO_ before this SG_')
    const statement = Object.hasOwn(STATEMENTS, t.text) ? STATEMENTS[t.text] : undefined
    if (statement === undefined) r.skipStatement()
    else if (t.text === 'BO_' || r.strict) statement(r)
    else readOrSkip(r, statement)
  }
  resolveMultiplexing(r)
  resolveAttributes(r)
  checkOverlaps(r)
  return r.db
}

/**
 * Runs a statement that does not lay out bits (CM_, BA_, VAL_, ...). One that
 * does not read is left out with a warning, as opendbc's line reader ignores
 * lines it cannot match: a broken comment must not cost the whole file. BO_
 * leaves out a message or signal itself (dbc-messages.ts): only whole SG_
 * lines, never a guessed part of one.
 */
function readOrSkip (r: DbcReader, statement: (r: DbcReader) => void): void {
  const start = r.position
  const keyword = r.peek()
  try {
    statement(r)
  } catch (err) {
    if (!(err instanceof DbcParseError)) throw err
    r.rewind(start)
    r.skipStatement()
    r.warn(keyword, 'statement-skipped', `${keyword.text} left out: at ${err.line}:${err.column} expected ${err.expected}, found ${err.found}`,
      { expected: err.expected, found: err.found })
  }
}

/** A DBC file's bytes, UTF-8 or (as CANdb++ writes them) cp1252: see dbc-text.ts. */
export function parseDbcBytes (bytes: Uint8Array, fileName = '<bytes>', options: DbcParseOptions = {}): CanDatabase {
  return parseDbc(decodeDbcBytes(bytes), fileName, options)
}

/** Reads and parses a DBC file; errors name `path`. */
export function parseDbcFile (path: string, options: DbcParseOptions = {}): CanDatabase {
  return parseDbcBytes(readFileSync(path), path, options)
}
