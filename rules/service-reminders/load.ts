/**
 * The `maintenance:` section of a rule file -> validated service reminder
 * definitions (ReminderDefinition). It lives in the same YAML/JSON files as `rules:`
 * (one place for an engineer to describe a vehicle model), beside or instead
 * of them; parseRules ignores it and this ignores `rules:`. Errors name the
 * file, the item id, the field and what was wrong, e.g.
 *   pack.yaml: maintenance oil-service: dueSoon.km must be below every.km (15000)
 *
 *   maintenance:
 *     - id: oil-service
 *       task: Change engine oil and filter
 *       parts: [oil-filter, engine-oil-5w30-5l]
 *       every: { km: 15000, months: 12 }        # whichever first
 *       dueSoon: { km: 1000, days: 30 }
 *     - id: lv-battery-resting
 *       task: Test the 12 V battery and the parasitic drain
 *       trend:
 *         signal: Vehicle.LowVoltageBattery.CurrentVoltage
 *         where: { signal: Vehicle.Powertrain.CombustionEngine.Speed, op: '==', value: 0 }
 *         aggregate: avg                          # per UTC day
 *         window: 14d
 *         minDays: 5
 *         slope: { op: '<', value: -0.02 }        # V per day
 *         last: { op: '<', value: 12.2 }          # either test raises the reminder
 */
import { Ajv, type ErrorObject } from 'ajv'
import { catalogSignalByName } from '../../decoders/catalog.js'
import { parseDuration } from '../../decoders/duration.js'
import { parseRuleDocument, readRuleFile, RuleFileError } from '../load.js'
import type { CompareOp } from '../model.js'
import { ruleFileSchema } from '../schema.js'
import type { ReminderDefinition, ServiceIntervalDefinition, TrendAggregate, TrendSpec, TrendTest } from './model.js'

const DAY_S = 86_400

type Raw = Record<string, unknown>

export function loadReminderDefinitions (path: string): ReminderDefinition[] {
  return parseReminderDefinitions(readRuleFile(path), path)
}

/** A file with `rules:` but no `maintenance:` has no maintenance items: []. */
export function parseReminderDefinitions (text: string, fileName = '<rules>'): ReminderDefinition[] {
  const data = parseRuleDocument(text, fileName)
  if (data !== null && typeof data === 'object' && 'rules' in data && !('maintenance' in data)) return []
  if (!validateFile(data)) throw new RuleFileError(`${fileName}: ${describe(validateFile.errors?.[0], data)}`)
  const items = (data as { maintenance: Raw[] }).maintenance
  const seen = new Set<string>()
  return items.map((raw) => {
    const id = raw.id as string
    const fail = (field: string, what: string): never => { throw new RuleFileError(`${fileName}: maintenance ${id}: ${field === '' ? '' : `${field} `}${what}`) }
    if (seen.has(id)) fail('id', 'is used by an earlier maintenance item in the file')
    seen.add(id)
    const scope = raw.scope as Raw | undefined
    const base = {
      id,
      name: (raw.name as string | undefined) ?? id,
      ...(raw.description === undefined ? {} : { description: raw.description as string }),
      enabled: (raw.enabled as boolean | undefined) ?? true,
      scope: { models: (scope?.models as string[] | undefined) ?? [], firmware: (scope?.firmware as string[] | undefined) ?? [] },
      task: raw.task as string,
      parts: (raw.parts as string[] | undefined) ?? []
    }
    if ((raw.every === undefined) === (raw.trend === undefined)) {
      fail('', 'needs exactly one of "every" (a service interval) and "trend" (a slow trend over days)')
    }
    if (raw.trend === undefined) return { ...base, kind: 'interval', ...interval(raw, fail) }
    if (raw.dueSoon !== undefined) fail('dueSoon', 'applies to service intervals ("every"), not to trends')
    return { ...base, kind: 'trend', trend: trend(raw.trend as Raw, fail) }
  })
}

type Fail = (field: string, what: string) => never

function interval (raw: Raw, fail: Fail): Pick<ServiceIntervalDefinition, 'every' | 'dueSoon'> {
  const every = raw.every as ServiceIntervalDefinition['every']
  const soon = (raw.dueSoon ?? {}) as { km?: number, hours?: number, days?: number }
  if (every.days !== undefined && every.months !== undefined) fail('every', 'gives both days and months; use one')
  const margin = (key: 'km' | 'hours' | 'days'): number => {
    const value = soon[key]
    if (value === undefined) return 0
    // a time margin applies to days and to months alike; the smallest month has 28 days
    const limit = key === 'days' ? (every.days ?? (every.months === undefined ? undefined : every.months * 28)) : every[key]
    if (limit === undefined) fail(`dueSoon.${key}`, `has no limit to precede: every.${key === 'days' ? 'days or every.months' : key} is not given`)
    if (value >= (limit as number)) fail(`dueSoon.${key}`, `must be below the interval (${String(limit)}), else the item is always due soon`)
    return value
  }
  return {
    every: {
      ...(every.km === undefined ? {} : { km: every.km }),
      ...(every.hours === undefined ? {} : { hours: every.hours }),
      ...(every.days === undefined ? {} : { days: every.days }),
      ...(every.months === undefined ? {} : { months: every.months })
    },
    dueSoon: { km: margin('km'), hours: margin('hours'), days: margin('days') }
  }
}

function trend (raw: Raw, fail: Fail): TrendSpec {
  const signal = (field: string, name: string): string => {
    if (catalogSignalByName(name) === undefined) fail(field, `names ${JSON.stringify(name)}, which is not in the signal catalog`)
    return name
  }
  const windowS = parseDuration(raw.window as string | number)
  if (windowS === undefined || windowS < DAY_S || windowS % DAY_S !== 0) fail('trend.window', `must be a whole number of days, e.g. 14d (got ${JSON.stringify(raw.window)})`)
  const windowDays = (windowS as number) / DAY_S
  const minDays = raw.minDays as number
  if (minDays > windowDays) fail('trend.minDays', `(${minDays}) exceeds the window (${windowDays} days)`)
  if (raw.slope === undefined && raw.last === undefined) fail('trend', 'needs a test: "slope" (per day), "last" (the latest day\'s aggregate) or both')
  if (raw.slope !== undefined && minDays < 2) fail('trend.minDays', 'must be at least 2 for a slope (one day has none)')
  const where = raw.where as { signal: string, op: CompareOp, value: number } | undefined
  return {
    signal: signal('trend.signal', raw.signal as string),
    ...(raw.minus === undefined ? {} : { minus: signal('trend.minus', raw.minus as string) }),
    aggregate: raw.aggregate as TrendAggregate,
    ...(where === undefined ? {} : { where: { signal: signal('trend.where.signal', where.signal), op: where.op, value: where.value } }),
    windowDays,
    minDays,
    ...(raw.slope === undefined ? {} : { slope: raw.slope as TrendTest }),
    ...(raw.last === undefined ? {} : { last: raw.last as TrendTest })
  }
}

const ajv = new Ajv({ allErrors: false, strict: false })
const validateFile = ajv.compile({
  type: 'object',
  required: ['maintenance'],
  properties: { maintenance: { type: 'array', items: ruleFileSchema.$defs.maintenance }, rules: {} },
  additionalProperties: false
})

/** "maintenance <id>: <field> <what>" for an ajv error. */
function describe (error: ErrorObject | undefined, data: unknown): string {
  if (error === undefined) return 'is invalid'
  const parts = error.instancePath.split('/').slice(1)
  const what = message(error)
  if (parts[0] !== 'maintenance' || parts[1] === undefined) return `${parts.join('.') || 'the file'} ${what}`
  const item = (data as { maintenance: Raw[] }).maintenance[Number(parts[1])]
  const id = typeof item?.id === 'string' ? item.id : `#${Number(parts[1]) + 1}`
  const field = parts.slice(2).reduce((text, part) => /^\d+$/.test(part) ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`, '')
  return `maintenance ${id}: ${field === '' ? '' : `${field} `}${what}`
}

function message (e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
  if (e.keyword === 'additionalProperties') return `has an unknown field ${JSON.stringify(e.params.additionalProperty)}`
  if (e.keyword === 'required') return `needs the field ${JSON.stringify(e.params.missingProperty)}`
  return e.message ?? 'is invalid'
}
