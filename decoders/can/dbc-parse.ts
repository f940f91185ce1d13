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
import { DbcReader } from './dbc-reader.js'
import { decodeDbcBytes } from './dbc-text.js'

export { DbcParseError } from './dbc-lexer.js'

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

/** Throws DbcParseError (file, line, column, what was expected) on text that is not DBC. */
export function parseDbc (text: string, fileName = '<string>'): CanDatabase {
  const r = new DbcReader(text, fileName)
  for (;;) {
    const t = r.peek()
    if (t.kind === 'eof') break
    if (t.kind !== 'identifier') throw r.error(t, 'a DBC keyword')
    if (t.text === 'SG_') throw r.error(t, 'BO_ before this SG_')
    const statement = Object.hasOwn(STATEMENTS, t.text) ? STATEMENTS[t.text] : undefined
    if (statement === undefined) r.skipStatement()
    else statement(r)
  }
  resolveMultiplexing(r)
  resolveAttributes(r)
  return r.db
}

/** A DBC file's bytes, UTF-8 or (as CANdb++ writes them) cp1252: see dbc-text.ts. */
export function parseDbcBytes (bytes: Uint8Array, fileName = '<bytes>'): CanDatabase {
  return parseDbc(decodeDbcBytes(bytes), fileName)
}

/** Reads and parses a DBC file; errors name `path`. */
export function parseDbcFile (path: string): CanDatabase {
  return parseDbcBytes(readFileSync(path), path)
}
