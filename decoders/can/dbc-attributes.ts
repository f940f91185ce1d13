/**
 * Attributes: BA_DEF_ (definitions), BA_DEF_DEF_ (defaults) and BA_ (values),
 * and the few attributes the model lifts into typed fields once every
 * statement is read. BA_DEF_REL_ / BA_REL_ (node-relation attributes) are
 * skipped by the caller.
 */
import type { AttributeDefinition, AttributeObjectType, AttributeValue } from './model.js'
import type { DbcReader } from './dbc-reader.js'

const OBJECT_TYPES = new Set(['BU_', 'BO_', 'SG_', 'EV_'])

/** BA_DEF_ [BU_|BO_|SG_|EV_] "<name>" INT|HEX|FLOAT [<min> <max>] | STRING | ENUM "<a>",... ; */
export function parseAttributeDefinition (r: DbcReader): void {
  r.next()
  let objectType: AttributeObjectType = ''
  const t = r.peek()
  if (t.kind === 'identifier') {
    if (!OBJECT_TYPES.has(t.text)) throw r.error(t, 'BU_, BO_, SG_, EV_ or a quoted attribute name after BA_DEF_')
    objectType = t.text as AttributeObjectType
    r.next()
  }
  const name = r.expectString('a quoted attribute name')
  const typeToken = r.peek()
  const valueType = r.expectIdentifier(`the value type (INT, HEX, FLOAT, STRING, ENUM) of attribute ${name}`)
  const definition: AttributeDefinition = { name, objectType, valueType: 'STRING' }
  switch (valueType) {
    case 'INT':
    case 'HEX':
    case 'FLOAT':
      definition.valueType = valueType
      // Some generators leave out the range; keep it only when written.
      if (r.peek().kind === 'number') {
        definition.minimum = r.expectNumber(`the minimum of attribute ${name}`)
        definition.maximum = r.expectNumber(`the maximum of attribute ${name}`)
      }
      break
    case 'STRING':
      break
    case 'ENUM': {
      definition.valueType = 'ENUM'
      const values: string[] = []
      while (r.peek().kind === 'string') {
        values.push(r.next().text)
        if (r.isPunct(',')) r.next()
      }
      definition.enumValues = values
      break
    }
    default:
      throw r.error(typeToken, `the value type (INT, HEX, FLOAT, STRING, ENUM) of attribute ${name}`)
  }
  r.endStatement(`after the definition of attribute ${name}`)
  r.db.attributeDefinitions.push(definition)
  if (!r.definitionsByName.has(name)) r.definitionsByName.set(name, definition)
}

/** BA_DEF_DEF_ "<name>" <value> ; */
export function parseAttributeDefault (r: DbcReader): void {
  const keyword = r.next()
  const name = r.expectString('a quoted attribute name after BA_DEF_DEF_')
  const value = attributeValue(r, name)
  r.endStatement(`after the default of attribute ${name}`)
  const definition = r.definitionsByName.get(name)
  if (definition === undefined) r.undefinedReference(keyword, `attribute ${name} (BA_DEF_DEF_)`)
  else definition.defaultValue = value
}

/** BA_ "<name>" [BU_ <node> | BO_ <id> | SG_ <id> <signal> | EV_ <name>] <value> ; */
export function parseAttribute (r: DbcReader): void {
  const keyword = r.next()
  const name = r.expectString('a quoted attribute name after BA_')
  const t = r.peek()
  let target: Record<string, AttributeValue> | undefined = r.db.attributes
  if (t.kind === 'identifier') {
    r.next()
    switch (t.text) {
      case 'BU_': {
        const nodeToken = r.peek()
        const node = r.expectName('a node name')
        target = r.nodesByName.get(node)?.attributes
        if (target === undefined) r.undefinedReference(nodeToken, `node ${node} (BA_ ${name})`)
        break
      }
      case 'BO_':
        target = r.messageRef()?.attributes
        break
      case 'SG_':
        target = r.signalRef()?.attributes
        break
      case 'EV_':
        r.expectName('an environment variable name')
        target = undefined
        break
      default:
        throw r.error(t, 'BU_, BO_, SG_, EV_ or a value')
    }
  }
  const value = attributeValue(r, name)
  r.endStatement(`after the value of attribute ${name}`)
  if (target !== undefined) target[name] = value
}

function attributeValue (r: DbcReader, name: string): AttributeValue {
  if (r.peek().kind === 'string') return r.next().text
  return r.expectNumber(`a value for attribute ${name}`)
}

/**
 * GenMsgCycleTime -> cycleTimeMs, VFrameFormat -> canFd (Vector's CAN FD
 * marker), GenSigStartValue -> rawStartValue: each from the object's own
 * value, else the BA_DEF_DEF_ default.
 */
export function resolveAttributes (r: DbcReader): void {
  const cycleDefault = defaultFor(r, 'GenMsgCycleTime', 'BO_')
  const frameFormat = r.definitionsByName.get('VFrameFormat')
  const startDefault = defaultFor(r, 'GenSigStartValue', 'SG_')
  for (const message of r.db.messages) {
    const cycle = message.attributes.GenMsgCycleTime ?? cycleDefault
    if (typeof cycle === 'number' && cycle > 0) message.cycleTimeMs = cycle
    if (frameFormat?.objectType === 'BO_') {
      const format = message.attributes.VFrameFormat ?? frameFormat.defaultValue
      // BA_ gives an ENUM as its index; BA_DEF_DEF_ usually as its label.
      const label = typeof format === 'number' ? frameFormat.enumValues?.[format] : format
      if (label?.endsWith('CAN_FD') === true) message.canFd = true
    }
    for (const signal of message.signals) {
      const start = signal.attributes.GenSigStartValue ?? startDefault
      if (typeof start === 'number') signal.rawStartValue = start
    }
  }
}

function defaultFor (r: DbcReader, name: string, objectType: AttributeObjectType): AttributeValue | undefined {
  const definition = r.definitionsByName.get(name)
  return definition?.objectType === objectType ? definition.defaultValue : undefined
}
