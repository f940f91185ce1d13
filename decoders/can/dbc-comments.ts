/** Texts attached to the model: CM_ comments, VAL_TABLE_ and VAL_ value descriptions. */
import type { DbcReader } from './dbc-reader.js'

/** CM_ [BU_ <node> | BO_ <id> | SG_ <id> <signal> | EV_ <name>] "<text>" ; */
export function parseComment (r: DbcReader): void {
  const keyword = r.next()
  const t = r.peek()
  if (t.kind === 'string') {
    r.next()
    r.db.comment = t.text
  } else if (r.isIdentifier('BU_', t)) {
    r.next()
    const nodeToken = r.peek()
    const node = r.expectName('a node name after CM_ BU_')
    const text = r.expectString('a quoted comment')
    const target = r.nodesByName.get(node)
    if (target === undefined) r.undefinedReference(nodeToken, `node ${node}`)
    else target.comment = text
  } else if (r.isIdentifier('BO_', t)) {
    r.next()
    const message = r.messageRef()
    const text = r.expectString('a quoted comment')
    if (message !== undefined) message.comment = text
  } else if (r.isIdentifier('SG_', t)) {
    r.next()
    const signal = r.signalRef()
    const text = r.expectString('a quoted comment')
    if (signal !== undefined) signal.comment = text
  } else if (r.isIdentifier('EV_', t)) {
    // Environment variables are not modelled; their comments are read and dropped.
    r.next()
    r.expectName('an environment variable name after CM_ EV_')
    r.expectString('a quoted comment')
  } else {
    throw r.error(t, 'a quoted comment or BU_, BO_, SG_, EV_ after CM_')
  }
  r.endStatement('after comment')
}

/** VAL_TABLE_ <name> (<value> "<description>")* ; */
export function parseValueTable (r: DbcReader): void {
  r.next()
  const name = r.expectName('a value table name after VAL_TABLE_')
  r.db.valueTables.set(name, parseChoices(r))
}

/** VAL_ <message id> <signal> (<value> "<description>")* ;  (or VAL_ <env var> ... ;) */
export function parseValueDescriptions (r: DbcReader): void {
  r.next()
  if (r.peek().kind === 'identifier') {
    // Descriptions of an environment variable: not modelled. (A message id
    // always starts with a digit and reads as a number.)
    r.next()
    parseChoices(r)
    return
  }
  const signal = r.signalRef()
  const choices = parseChoices(r)
  if (signal !== undefined) signal.choices = choices
}

function parseChoices (r: DbcReader): Map<number, string> {
  const choices = new Map<number, string>()
  while (!r.isPunct(';') && !r.startsStatement(r.peek())) {
    const value = r.expectNumber('a raw value, or \';\' to end the value descriptions')
    choices.set(value, r.expectString(`a quoted description of value ${value}`))
  }
  r.endStatement('after the value descriptions')
  return choices
}
