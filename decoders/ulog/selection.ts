import type { MessageDefinition } from '@foxglove/ulog'
import { catalogSignalByName, type CatalogSignal } from '../catalog.js'
import { UlogError } from './errors.js'
import { compileLayout, LayoutError, type LeafField, type MessageLayout } from './layout.js'

/** A catalog signal a ULog field feeds, with the unit conversion: value = raw * scale + offset. */
export interface CatalogTarget {
  readonly signal: string
  readonly scale?: number
  readonly offset?: number
}

/**
 * Which numbers to take from a log.
 *
 * - `'all'`: every numeric field of every subscribed topic.
 * - `'default'`: DEFAULT_PX4_MAPPING, each entry used when the log has it.
 * - `{ fields }`: `topic`, `topic.field`, `topic#1.field` (a multi_id; without
 *   one, every instance). A field names a leaf (`voltage_cell_v[3]`, `a.b`) or
 *   everything under it (`voltage_cell_v`, `a`).
 * - `{ map }`: `topic[#multi_id].field` -> catalog name (or CatalogTarget); the
 *   field must be one number, the instance defaults to 0, and each catalog
 *   signal takes one source so that a rule never sees two interleaved.
 */
export type UlogSelection =
  | 'all'
  | 'default'
  | { readonly fields: readonly string[] }
  | { readonly map: Readonly<Record<string, string | CatalogTarget>> }

/** A field chosen for a subscription, and the catalog signal it feeds if mapped. */
export interface PickedField {
  readonly leaf: LeafField
  readonly catalog?: CatalogSignal
  readonly scale: number
  readonly offset: number
}

interface Rule {
  readonly topic: string
  /** Undefined: every instance. */
  readonly multiId?: number
  /** Undefined: every field. */
  readonly field?: string
  readonly catalog?: CatalogSignal
  readonly scale: number
  readonly offset: number
}

export interface ResolvedSelection {
  /** The fields to decode for one subscription (empty: skip its messages). */
  pick (topic: string, multiId: number, layout: MessageLayout): PickedField[]
}

/**
 * Common PX4 topics onto catalog names, in priority order: the first entry the
 * log has wins a catalog signal. A multicopter's flight battery is the only
 * battery PX4 logs; we follow the issue and feed LowVoltageBattery.
 * vehicle_gps_position is the blended / selected receiver (older firmware);
 * sensor_gps is the per-receiver topic of newer firmware. The catalog has no
 * latitude / longitude yet, so positions are not mapped.
 */
export const DEFAULT_PX4_MAPPING: ReadonlyArray<readonly [string, CatalogTarget]> = [
  ['battery_status.voltage_v', { signal: 'Vehicle.LowVoltageBattery.CurrentVoltage' }],
  ['vehicle_gps_position.vel_m_s', { signal: 'Vehicle.Speed', scale: 3.6 }],
  ['sensor_gps.vel_m_s', { signal: 'Vehicle.Speed', scale: 3.6 }]
]

const SPEC = /^([A-Za-z0-9_]+)(?:#(\d{1,3}))?(?:\.(.+))?$/

/** Checks a selection against the log's formats; throws PITWALL_ERR_ULOG_SELECTION naming what is unknown. */
export function resolveSelection (selection: UlogSelection, formats: ReadonlyMap<string, MessageDefinition>, file: string): ResolvedSelection {
  if (selection === 'all') return { pick: (_topic, _multiId, layout) => layout.leaves.map((leaf) => ({ leaf, scale: 1, offset: 0 })) }
  const layouts = new Map<string, MessageLayout>()
  const layoutOf = (topic: string): MessageLayout => {
    let layout = layouts.get(topic)
    if (layout === undefined) {
      try {
        layout = compileLayout(topic, formats)
      } catch (err) {
        if (err instanceof LayoutError) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, -1, `topic '${topic}': ${err.message}`)
        throw err
      }
      layouts.set(topic, layout)
    }
    return layout
  }

  const rules: Rule[] = []
  if (selection === 'default') {
    const taken = new Set<string>()
    for (const [spec, target] of DEFAULT_PX4_MAPPING) {
      if (taken.has(target.signal)) continue
      const parsed = parseSpec(spec, file)
      if (!formats.has(parsed.topic) || parsed.field === undefined) continue
      if (!layoutOf(parsed.topic).leaves.some((l) => l.path === parsed.field)) continue
      taken.add(target.signal)
      rules.push(mappedRule({ ...parsed, multiId: parsed.multiId ?? 0 }, target, file))
    }
  } else if ('fields' in selection) {
    for (const spec of selection.fields) {
      const parsed = parseSpec(spec, file)
      checkField(parsed, spec, formats, layoutOf, file)
      rules.push({ ...parsed, scale: 1, offset: 0 })
    }
  } else {
    const sources = new Map<string, string>()
    for (const [spec, value] of Object.entries(selection.map)) {
      const target = typeof value === 'string' ? { signal: value } : value
      const parsed = parseSpec(spec, file)
      if (parsed.field === undefined) throw selectionError(file, `'${spec}' maps a whole topic; name one field (topic.field)`)
      const matches = checkField(parsed, spec, formats, layoutOf, file)
      if (matches.length !== 1) throw selectionError(file, `'${spec}' is ${matches.length} numbers (${preview(matches.map((l) => l.path))}); map one of them`)
      const previous = sources.get(target.signal)
      if (previous !== undefined) throw selectionError(file, `'${spec}' and '${previous}' both map to ${target.signal}; a catalog signal takes one source`)
      sources.set(target.signal, spec)
      rules.push(mappedRule({ ...parsed, multiId: parsed.multiId ?? 0 }, target, file))
    }
  }

  return {
    pick (topic, multiId, layout) {
      const picked = new Map<string, PickedField>()
      for (const rule of rules) {
        if (rule.topic !== topic || (rule.multiId !== undefined && rule.multiId !== multiId)) continue
        for (const leaf of layout.leaves) {
          if (!covers(rule.field, leaf.path) || picked.has(leaf.path)) continue
          picked.set(leaf.path, { leaf, scale: rule.scale, offset: rule.offset, ...(rule.catalog === undefined ? {} : { catalog: rule.catalog }) })
        }
      }
      return [...picked.values()].sort((a, b) => a.leaf.offset - b.leaf.offset)
    }
  }
}

interface Spec { readonly topic: string, readonly multiId?: number, readonly field?: string }

function parseSpec (spec: string, file: string): Spec {
  const m = SPEC.exec(spec)
  if (m === null) throw selectionError(file, `'${spec}' is not topic, topic.field or topic#multi_id.field`)
  const [, topic = '', multiId, field] = m
  return { topic, ...(multiId === undefined ? {} : { multiId: Number(multiId) }), ...(field === undefined ? {} : { field }) }
}

function checkField (spec: Spec, text: string, formats: ReadonlyMap<string, MessageDefinition>, layoutOf: (topic: string) => MessageLayout, file: string): LeafField[] {
  if (!formats.has(spec.topic)) {
    throw selectionError(file, `unknown topic '${spec.topic}' in '${text}': the log defines ${formats.size} formats (${preview([...formats.keys()].sort())})`)
  }
  const layout = layoutOf(spec.topic)
  const matches = layout.leaves.filter((leaf) => covers(spec.field, leaf.path))
  if (matches.length > 0) return matches
  const field = spec.field ?? ''
  if (field === 'timestamp') throw selectionError(file, `'${text}': timestamp is the sample time of every field, not a signal`)
  if (layout.textFields.some((t) => covers(field, t))) throw selectionError(file, `'${text}': field '${field}' of topic '${spec.topic}' is text (char[]), not a number`)
  if (spec.field === undefined) throw selectionError(file, `'${text}': topic '${spec.topic}' has no numeric fields`)
  throw selectionError(file, `unknown field '${field}' of topic '${spec.topic}' in '${text}' (numeric fields: ${preview(layout.leaves.map((l) => l.path))})`)
}

function mappedRule (spec: Spec, target: CatalogTarget, file: string): Rule {
  const catalog = catalogSignalByName(target.signal)
  if (catalog === undefined) throw selectionError(file, `unknown catalog signal '${target.signal}' (decoders/catalog.ts)`)
  return { ...spec, catalog, scale: target.scale ?? 1, offset: target.offset ?? 0 }
}

/** A field spec covers a leaf path when it is the path or a prefix ending at a '.' or '['. */
function covers (field: string | undefined, path: string): boolean {
  if (field === undefined || field === path) return true
  if (!path.startsWith(field)) return false
  const next = path[field.length]
  return next === '.' || next === '['
}

function preview (names: readonly string[]): string {
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, … ${names.length - 12} more`
}

function selectionError (file: string, detail: string): UlogError {
  return new UlogError('PITWALL_ERR_ULOG_SELECTION', file, -1, detail)
}
