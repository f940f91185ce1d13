/**
 * Rule files (YAML or JSON) -> validated RuleDefinitions. Every error names
 * the file, the rule id, the field and what was wrong, e.g.
 *   rules.yaml: rule engine-overheat: when.all[1].op must be one of >, >=, <, <=, ==, !=
 * Nothing else in Pitwall reads rule text.
 */
import { createHash } from 'node:crypto'
import { Ajv, type ErrorObject } from 'ajv'
import { SIGNAL_CATALOG } from '../decoders/catalog.js'
import { parseDocument, readDocument } from '../decoders/document.js'
import { closestNames } from '../decoders/signal-catalog.js'
import { DTC_STATUS_FLAGS } from '../decoders/dtc/dtc-status.js'
import { parseUdsDtcText } from '../decoders/dtc/j2012.js'
import { parseDuration } from '../decoders/duration.js'
import type { CompareOp, Condition, RuleAction, RuleDefinition, Severity } from './model.js'
import { readParts } from './parts.js'
import { ruleFileSchema } from './schema.js'
import { PitwallError } from '../runtime/errors.js'

/**
 * Where in the document a problem is, for an editor that shows it beside
 * the field: the path from the document's root (e.g. ['rules', 0, 'when',
 * 'op']) and what is wrong there, without the file and rule the message
 * names.
 */
export interface RuleFileLocation {
  path: Array<string | number>
  problem: string
}

export class RuleFileError extends PitwallError {
  constructor (message: string, readonly at?: RuleFileLocation) {
    super('PITWALL_ERR_RULE_FILE', message)
  }
}

/** Default clear and reopen windows when a rule names none. */
const DEFAULT_REOPEN_WITHIN_S = 600

/**
 * The signal names rules may read: the built-in catalog, and those an active
 * decoder manifest feeds or declares (gateway/manifests.ts ruleSignals builds
 * it from storage). `where` says what the set is, for the error message.
 */
export interface RuleSignals {
  has: (name: string) => boolean
  names: () => Iterable<string>
  where: string
}

export const BUILT_IN_SIGNALS: RuleSignals = (() => {
  const names = new Set(SIGNAL_CATALOG.map((s) => s.name))
  return { has: (name) => names.has(name), names: () => names, where: 'the signal catalog' }
})()

export function loadRuleFile (path: string, signals: RuleSignals = BUILT_IN_SIGNALS): RuleDefinition[] {
  return parseRules(readRuleFile(path), path, signals)
}

const ruleFileError = (message: string): RuleFileError => new RuleFileError(message)

/** A rule file's text; an unreadable file is a RuleFileError naming it. */
export function readRuleFile (path: string): string {
  return readDocument(path, ruleFileError)
}

type Raw = Record<string, unknown>

/** A rule file's text -> its data: JSON for a .json file, YAML otherwise. */
export function parseRuleDocument (text: string, fileName: string): unknown {
  return parseDocument(text, fileName, ruleFileError)
}

export function parseRules (text: string, fileName = '<rules>', signals: RuleSignals = BUILT_IN_SIGNALS): RuleDefinition[] {
  const data = parseRuleDocument(text, fileName)
  // A file may hold only a `maintenance:` section (service-reminders/load.ts reads
  // it); it has no rules then, which is not an error.
  if (data !== null && typeof data === 'object' && 'maintenance' in data && !('rules' in data)) return []
  check(data, fileName)
  const rules = (data as { rules: Raw[] }).rules
  const seen = new Set<string>()
  return rules.map((raw, index) => {
    const id = raw.id as string
    const fail = (field: string, what: string): never => {
      throw new RuleFileError(`${fileName}: rule ${id}: ${field} ${what}`, { path: ['rules', index, ...fieldPath(field)], problem: what })
    }
    if (seen.has(id)) fail('id', 'is used by an earlier rule in the file')
    seen.add(id)
    const seconds = (field: string, fallback: number): number => {
      const value = raw[field]
      if (value === undefined) return fallback
      return parseDuration(value as string | number) ?? fail(field, `is not a duration: ${JSON.stringify(value)}`)
    }
    const known = (field: string, name: string): string => {
      if (!signals.has(name)) fail(field, `names ${JSON.stringify(name)}, which is not in ${signals.where} (closest: ${closestNames(name, signals.names()).join(', ')})`)
      return name
    }
    const when = condition(raw.when as Raw, 'when', fail, known)
    const forS = seconds('for', 0)
    const definition: Omit<RuleDefinition, 'version'> = {
      id,
      name: (raw.name as string | undefined) ?? id,
      ...(raw.description === undefined ? {} : { description: raw.description as string }),
      severity: raw.severity as Severity,
      enabled: (raw.enabled as boolean | undefined) ?? true,
      scope: {
        models: ((raw.scope as Raw | undefined)?.models as string[] | undefined) ?? [],
        firmware: ((raw.scope as Raw | undefined)?.firmware as string[] | undefined) ?? []
      },
      when,
      forS,
      ...(raw.clear === undefined ? {} : { clear: condition(raw.clear as Raw, 'clear', fail, known) }),
      clearForS: seconds('clearFor', forS),
      reopenWithinS: seconds('reopenWithin', DEFAULT_REOPEN_WITHIN_S),
      ...(raw.action === undefined ? {} : { action: action(raw.action as Raw, fail) }),
      ...(raw.case === undefined ? {} : { caseId: raw.case as string })
    }
    return { ...definition, version: versionOf(definition) }
  })
}

/** The file's condition syntax -> the Condition model, with the checks the schema cannot make. */
function condition (raw: Raw, field: string, fail: (field: string, what: string) => never, known: (field: string, name: string) => string): Condition {
  const signal = (): string => known(`${field}.signal`, raw.signal as string)
  const duration = (key: string): number => parseDuration(raw[key] as string | number) ?? fail(`${field}.${key}`, 'is not a duration')
  if ('minus' in raw) {
    const minus = known(`${field}.minus`, raw.minus as string)
    return { kind: 'difference', signal: signal(), minus, op: raw.op as CompareOp, value: raw.value as number }
  }
  if ('op' in raw) return { kind: 'compare', signal: signal(), op: raw.op as CompareOp, value: raw.value as number }
  if ('between' in raw || 'outside' in raw) {
    const [min, max] = (raw.between ?? raw.outside) as [number, number]
    if (min > max) fail(`${field}.${'between' in raw ? 'between' : 'outside'}`, `runs backwards: [${min}, ${max}]`)
    return { kind: 'range', signal: signal(), min, max, outside: 'outside' in raw }
  }
  if ('rate' in raw) {
    const rate = raw.rate as Raw
    const per = rate.per === undefined ? 1 : parseDuration(rate.per as string | number) ?? 0
    if (!(per > 0)) fail(`${field}.rate.per`, 'must be a positive duration')
    return { kind: 'rate', signal: signal(), op: rate.op as CompareOp, value: (rate.value as number) / per }
  }
  if ('stale' in raw) return { kind: 'stale', signal: signal(), afterS: duration('stale') }
  if ('dtc' in raw) {
    const code = raw.dtc as string
    try {
      parseUdsDtcText(code)
    } catch (err) {
      fail(`${field}.dtc`, `is not a DTC: ${(err as Error).message}`)
    }
    const status = (raw.status as string[] | undefined) ?? []
    for (const flag of status) {
      if (!(DTC_STATUS_FLAGS as readonly string[]).includes(flag)) fail(`${field}.status`, `names ${JSON.stringify(flag)}; ISO 14229-1 flags are ${DTC_STATUS_FLAGS.join(', ')}`)
    }
    return { kind: 'dtc', code: code.toUpperCase(), status }
  }
  if ('geofence' in raw) {
    const g = raw.geofence as { lat: number, lon: number, radiusM: number, outside?: boolean }
    return { kind: 'geofence', lat: g.lat, lon: g.lon, radiusM: g.radiusM, outside: g.outside === true }
  }
  if ('count' in raw) {
    return { kind: 'count', of: condition(raw.count as Raw, `${field}.count`, fail, known), atLeast: raw.atLeast as number, withinS: duration('within') }
  }
  if ('all' in raw) return { kind: 'all', of: (raw.all as Raw[]).map((c, i) => condition(c, `${field}.all[${i}]`, fail, known)) }
  if ('any' in raw) return { kind: 'any', of: (raw.any as Raw[]).map((c, i) => condition(c, `${field}.any[${i}]`, fail, known)) }
  return { kind: 'not', of: condition(raw.not as Raw, `${field}.not`, fail, known) }
}

function action (raw: Raw, fail: (field: string, what: string) => never): RuleAction {
  switch (raw.type) {
    case 'remote_fix': return { ...(raw as unknown as RuleAction & { type: 'remote_fix' }), approval: (raw.approval as 'auto' | 'engineer' | undefined) ?? 'engineer' }
    // a part may still be given as its description alone (the form before parts were structured)
    case 'dealer_prestage': return { type: 'dealer_prestage', parts: readParts(raw.parts, 'action.parts', fail), repairHours: (raw.repairHours as number | undefined) ?? 0, fix: (raw.fix as string | undefined) ?? '' }
    case 'rescue': return { type: 'rescue' }
    default: return { type: 'service_reminder', task: raw.task as string }
  }
}

/** A short content hash: equal definitions share a version whatever the key order. */
function versionOf (definition: Omit<RuleDefinition, 'version'>): string {
  return createHash('sha256').update(canonical(definition)).digest('hex').slice(0, 12)
}

function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Raw)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

// --- errors that name the rule and the field ---

/**
 * ajv reports a condition that fails its oneOf with an error from every
 * branch, which names nothing useful. So the file is checked in two steps:
 * the rules with conditions as plain objects, then each condition against
 * the one branch its keys select (children again as plain objects).
 */
const CONDITION_KEYS: Array<[string, string[]]> = [
  ['minus', ['signal', 'minus', 'op', 'value']], ['op', ['signal', 'op', 'value']], ['between', ['signal', 'between']], ['outside', ['signal', 'outside']],
  ['rate', ['signal', 'rate']], ['stale', ['signal', 'stale']], ['dtc', ['dtc']], ['geofence', ['geofence']],
  ['count', ['count', 'atLeast', 'within']], ['all', ['all']], ['any', ['any']], ['not', ['not']]
]
const SHALLOW_CONDITION = { type: 'object' }
const ACTION_TYPES = ['remote_fix', 'dealer_prestage', 'rescue', 'service_reminder']
const defs = ruleFileSchema.$defs
const shallow = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replaceAll('{"$ref":"#/$defs/condition"}', JSON.stringify(SHALLOW_CONDITION)))
const ajv = new Ajv({ allErrors: false, strict: false })
const validateRules = ajv.compile({
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: {
    // checked by service-reminders/load.ts, which reads it
    maintenance: { type: 'array' },
    rules: {
      type: 'array',
      items: shallow({ ...defs.rule, properties: { ...defs.rule.properties, action: { type: 'object', required: ['type'], properties: { type: { enum: ACTION_TYPES } } } } })
    }
  }
})
const validateBranch = defs.condition.oneOf.map((branch) => ajv.compile(shallow(branch) as object))
const validateAction = defs.action.oneOf.map((branch) => ajv.compile(branch))

/** "when.all[1].op" → ['when', 'all', 1, 'op'] */
function fieldPath (field: string): Array<string | number> {
  return field.split(/\.|(?=\[)/).map((part) => /^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part)
}

/** The error for `error` (or, without one, for the node at `path` and `problem`), with its location in the document. */
function located (fileName: string, error: ErrorObject | undefined, data: unknown, path: string, problem = ''): RuleFileError {
  const pointer = (error?.instancePath ?? path).split('/').slice(1).map((part) => /^\d+$/.test(part) ? Number(part) : part)
  // an unknown field is shown at the field itself, not at the object holding it
  if (error?.keyword === 'additionalProperties') pointer.push(String(error.params.additionalProperty))
  return new RuleFileError(`${fileName}: ${describe(error, data, path)}${problem}`, { path: pointer, problem: error === undefined ? problem : message(error) })
}

function check (data: unknown, fileName: string): void {
  if (!validateRules(data)) throw located(fileName, validateRules.errors?.[0], data, '')
  ;(data as { rules: Raw[] }).rules.forEach((rule, i) => {
    const act = rule.action as Raw | undefined
    if (act !== undefined) {
      const validateOne = validateAction[ACTION_TYPES.indexOf(act.type as string)] as (typeof validateAction)[number]
      if (!validateOne(act)) {
        const error = validateOne.errors?.[0]
        throw located(fileName, error === undefined ? undefined : { ...error, instancePath: `/rules/${i}/action${error.instancePath}` }, data, '')
      }
    }
    for (const field of ['when', 'clear']) {
      if (rule[field] !== undefined) checkCondition(rule[field] as Raw, `/rules/${i}/${field}`, data, fileName)
    }
  })
}

function checkCondition (node: Raw, path: string, data: unknown, fileName: string): void {
  const branch = CONDITION_KEYS.findIndex(([key]) => key in node)
  if (branch < 0) {
    throw located(fileName, undefined, data, path, `is not a condition: use one of ${CONDITION_KEYS.map(([, keys]) => `{${keys.join(', ')}}`).join(', ')}`)
  }
  const validateOne = validateBranch[branch] as (typeof validateBranch)[number]
  if (!validateOne(node)) {
    const error = validateOne.errors?.[0]
    throw located(fileName, error === undefined ? undefined : { ...error, instancePath: path + error.instancePath }, data, path)
  }
  const kind = (CONDITION_KEYS[branch] as [string, string[]])[0]
  if (kind === 'count' || kind === 'not') checkCondition(node[kind] as Raw, `${path}/${kind}`, data, fileName)
  if (kind === 'all' || kind === 'any') (node[kind] as Raw[]).forEach((c, j) => checkCondition(c, `${path}/${kind}/${j}`, data, fileName))
}

/** "rule <id>: <field> <what>" for an error at `error.instancePath` (or at `path` when there is no error object). */
function describe (error: ErrorObject | undefined, data: unknown, path: string): string {
  const parts = (error?.instancePath ?? path).split('/').slice(1)
  if (parts[0] !== 'rules' || parts[1] === undefined) return `${parts.join('.') || 'the file'} ${error === undefined ? '' : message(error)}`
  const rule = ((data as { rules: Raw[] }).rules)[Number(parts[1])]
  const id = typeof rule?.id === 'string' ? rule.id : `#${Number(parts[1]) + 1}`
  const field = parts.slice(2).reduce((text, part) => /^\d+$/.test(part) ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`, '')
  return `rule ${id}: ${field === '' ? '' : `${field} `}${error === undefined ? '' : message(error)}`
}

function message (e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
  if (e.keyword === 'additionalProperties') return `has an unknown field ${JSON.stringify(e.params.additionalProperty)}`
  if (e.keyword === 'required') return `needs the field ${JSON.stringify(e.params.missingProperty)}`
  if (e.keyword === 'const') return `must be ${JSON.stringify(e.params.allowedValue)}`
  return e.message ?? 'is invalid'
}
