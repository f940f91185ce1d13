/**
 * A stored RuleDefinition back in the rule file's syntax (the inverse of
 * load.ts parseRules for one rule): what an engineer edits in the console.
 * parseRules reads the result back to a definition of the same version, so
 * saving an unchanged rule changes nothing. `enabled` is left out: it is
 * switched on its own (enable/disable keep the version), not in the text.
 */
import type { Condition, RuleAction, RuleDefinition } from './model.js'
import { partToFile } from './parts.js'

type FileValue = Record<string, unknown>

export function ruleToFile (def: RuleDefinition): FileValue {
  return {
    id: def.id,
    name: def.name,
    ...(def.description === undefined ? {} : { description: def.description }),
    severity: def.severity,
    ...(def.scope.models.length === 0 && def.scope.firmware.length === 0 ? {} : { scope: scopeOf(def.scope) }),
    when: conditionToFile(def.when),
    ...(def.forS === 0 ? {} : { for: duration(def.forS) }),
    ...(def.clear === undefined ? {} : { clear: conditionToFile(def.clear) }),
    // load.ts defaults clearFor to `for`
    ...(def.clearForS === def.forS ? {} : { clearFor: duration(def.clearForS) }),
    reopenWithin: duration(def.reopenWithinS),
    ...(def.action === undefined ? {} : { action: actionToFile(def.action) }),
    ...(def.caseId === undefined ? {} : { case: def.caseId })
  }
}

function scopeOf (scope: RuleDefinition['scope']): FileValue {
  return { ...(scope.models.length === 0 ? {} : { models: scope.models }), ...(scope.firmware.length === 0 ? {} : { firmware: scope.firmware }) }
}

function conditionToFile (c: Condition): FileValue {
  switch (c.kind) {
    case 'compare': return { signal: c.signal, op: c.op, value: c.value }
    case 'range': return { signal: c.signal, [c.outside ? 'outside' : 'between']: [c.min, c.max] }
    case 'difference': return { signal: c.signal, minus: c.minus, op: c.op, value: c.value }
    case 'rate': return { signal: c.signal, rate: rateOf(c.op, c.value) }
    case 'stale': return { signal: c.signal, stale: duration(c.afterS) }
    case 'dtc': return { dtc: c.code, ...(c.status.length === 0 ? {} : { status: c.status }) }
    case 'geofence': return { geofence: { lat: c.lat, lon: c.lon, radiusM: c.radiusM, ...(c.outside ? { outside: true } : {}) } }
    case 'count': return { count: conditionToFile(c.of), atLeast: c.atLeast, within: duration(c.withinS) }
    case 'all': return { all: c.of.map(conditionToFile) }
    case 'any': return { any: c.of.map(conditionToFile) }
    case 'not': return { not: conditionToFile(c.of) }
  }
}

/**
 * A rate is stored per second; per minute reads better when it is the same
 * number exactly (a value that does not divide back bit for bit would give
 * the saved rule another version).
 */
function rateOf (op: string, perSecond: number): FileValue {
  const perMinute = perSecond * 60
  if (perMinute / 60 === perSecond && Number(perMinute.toFixed(6)) === perMinute && !Number.isInteger(perSecond)) return { op, value: perMinute, per: '1min' }
  return { op, value: perSecond }
}

function actionToFile (a: RuleAction): FileValue {
  switch (a.type) {
    case 'remote_fix': return { ...a }
    case 'dealer_prestage': return { type: a.type, parts: a.parts.map(partToFile), repairHours: a.repairHours, ...(a.fix === '' ? {} : { fix: a.fix }) }
    case 'rescue': return { type: a.type }
    case 'service_reminder': return { type: a.type, task: a.task }
  }
}

const UNITS: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['min', 60], ['s', 1]]

/** Seconds as the file writes them: "2h", "90s"; a fraction of a second stays a number. */
function duration (seconds: number): string | number {
  if (!Number.isInteger(seconds)) return seconds
  if (seconds === 0) return '0s'
  const [unit, size] = UNITS.find(([, size]) => seconds % size === 0) as [string, number]
  return `${seconds / size}${unit}`
}
