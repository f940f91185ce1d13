/**
 * A manifest against its DBCs and the catalog: parses each DBC (strict when
 * the manifest says so), finds every mapped signal, checks units, and works
 * out which catalog signals the manifest adds. Pure: the caller brings the
 * bytes and the catalog. Errors name the manifest, the DBC file, the message
 * and the signal; what a lenient DBC parse assumed comes back as warnings.
 */
import { DbcParseError, parseDbcBytes } from '../can/dbc-parse.js'
import { formatDbcWarning } from '../can/dbc-warnings.js'
import type { CanBusDatabase } from '../can/compile.js'
import type { CanDatabase, CanMessage, CanSignal } from '../can/model.js'
import { canonicalUnit, closestNames, type CatalogEntry, type SignalCatalog } from '../signal-catalog.js'
import { ManifestError, type ManifestSource, type ManifestWarning, type StoragePolicy } from './model.js'
import { CATALOG_NAME_PATTERN } from './schema.js'

const CATALOG_NAME = new RegExp(CATALOG_NAME_PATTERN)

/** The DBC attribute that names a signal's catalog signal (BA_ "VssSignal" SG_ <id> <signal> "Vehicle.Speed";). */
export const VSS_ATTRIBUTE = 'VssSignal'

export interface SignalMapping {
  bus: number
  message: CanMessage
  signal: CanSignal
  /** the catalog name it is stored and read under */
  catalogName: string
  /** the manifest's own policy for it (defaults applied at compile) */
  policy: StoragePolicy
  /** a `signals` entry, or the DBC's VssSignal attribute */
  via: 'signals' | 'VssSignal'
}

export interface ResolvedManifest {
  source: ManifestSource
  databases: CanBusDatabase[]
  mappings: SignalMapping[]
  /** catalog signals the manifest declares or feeds that the catalog lacks: storage gives them ids */
  additions: Array<Omit<CatalogEntry, 'id'>>
  /** every catalog name the manifest feeds or declares: what rules may read once it is active */
  provides: string[]
  warnings: ManifestWarning[]
}

export interface ResolveOptions {
  /** false: every name must already be in the catalog (the --can-dbc default manifest, which storage does not hold) */
  allowAdditions?: boolean
}

export function resolveManifest (source: ManifestSource, catalog: SignalCatalog, options: ResolveOptions = {}): ResolvedManifest {
  const { spec, origin } = source
  const fail = (what: string): never => { throw new ManifestError(`${origin}: ${what}`) }
  const warnings: ManifestWarning[] = []
  const databases: CanBusDatabase[] = spec.buses.map((bus, i) => {
    const dbc = source.dbcs.get(bus.dbc) ?? fail(`buses[${i}].dbc ${bus.dbc} was not given`)
    let database: CanDatabase
    try {
      database = parseDbcBytes(dbc.bytes, dbc.name, { strict: spec.strict })
    } catch (err) {
      if (err instanceof DbcParseError) fail(`buses[${i}] (bus ${bus.bus}): ${err.message}${spec.strict ? ' (the manifest parses its DBCs strictly)' : ''}`)
      throw err
    }
    for (const w of database.warnings) warnings.push({ kind: w.kind, text: formatDbcWarning(w) })
    return { bus: bus.bus, database }
  })

  // What the catalog will hold: the catalog as it is, and this manifest's own declarations.
  const declared = new Map(spec.catalog.map((c) => [c.name, c]))
  spec.catalog.forEach((c, i) => {
    const known = catalog.entry(c.name)
    if (known !== undefined && canonicalUnit(known.unit) !== canonicalUnit(c.unit)) {
      fail(`catalog[${i}] ${c.name} is in "${c.unit}", but the catalog has it in "${known.unit}" (id ${known.id}); a catalog name keeps its unit`)
    }
  })
  const unitOf = (name: string): string | undefined => catalog.entry(name)?.unit ?? declared.get(name)?.unit
  const vssAdded = new Map<string, Omit<CatalogEntry, 'id'>>()

  const mappings: SignalMapping[] = []
  const mappedSignals = new Set<CanSignal>()
  const fedBy = new Map<string, string>()
  const place = (bus: number, message: CanMessage, signal: CanSignal): string => `${databases.find((d) => d.bus === bus)?.database.fileName ?? ''} bus ${bus} ${message.name}.${signal.name}`
  const map = (m: SignalMapping, where: string): void => {
    const at = place(m.bus, m.message, m.signal)
    const earlier = fedBy.get(m.catalogName)
    if (earlier !== undefined) fail(`${where}: ${m.catalogName} is fed by ${earlier} already; a catalog signal takes one source, so that a rule never sees two interleaved`)
    fedBy.set(m.catalogName, at)
    mappedSignals.add(m.signal)
    mappings.push(m)
  }

  spec.signals.forEach((entry, i) => {
    const where = `signals[${i}] (${entry.from})`
    const [messageName, signalName] = entry.from.split('.') as [string, string]
    const candidates = databases.filter((d) => entry.bus === undefined || d.bus === entry.bus)
    if (entry.bus !== undefined && candidates.length === 0) fail(`${where}: bus ${entry.bus} has no DBC in this manifest (buses: ${databases.map((d) => d.bus).join(', ')})`)
    const found = candidates.flatMap((d) => {
      const message = d.database.messages.find((m) => m.name === messageName)
      const signal = message?.signals.find((s) => s.name === signalName)
      return message !== undefined && signal !== undefined ? [{ bus: d.bus, message, signal }] : []
    })
    if (found.length === 0) {
      const messages = candidates.flatMap((d) => d.database.messages)
      const message = messages.find((m) => m.name === messageName)
      const hint = message === undefined
        ? `no message ${messageName} in ${candidates.map((d) => d.database.fileName).join(', ')} (closest: ${closestNames(messageName, messages.map((m) => m.name)).join(', ')})`
        : `message ${messageName} has no signal ${signalName} (closest: ${closestNames(signalName, message.signals.map((s) => s.name)).join(', ')})`
      fail(`${where}: ${hint}`)
    }
    if (found.length > 1) fail(`${where}: ${entry.from} is on buses ${found.map((f) => f.bus).join(' and ')}; say which with bus:`)
    const { bus, message, signal } = found[0] as { bus: number, message: CanMessage, signal: CanSignal }
    if (mappedSignals.has(signal)) fail(`${where}: ${place(bus, message, signal)} is mapped twice`)
    const unit = unitOf(entry.signal)
    if (unit === undefined) {
      const known = [...catalog.entries().map((e) => e.name), ...declared.keys()]
      fail(`${where}: ${entry.signal} is neither in the catalog nor in this manifest's catalog: section (closest: ${closestNames(entry.signal, known).join(', ')})`)
    }
    checkUnit(fail, `signals[${i}]: ${place(bus, message, signal)}`, signal, entry.signal, unit as string)
    map({ bus, message, signal, catalogName: entry.signal, policy: entry.policy, via: 'signals' }, where)
  })

  if (spec.vssAttribute) {
    for (const { bus, database } of databases) {
      for (const message of database.messages) {
        for (const signal of message.signals) {
          const name = signal.attributes[VSS_ATTRIBUTE]
          if (typeof name !== 'string' || name === '' || mappedSignals.has(signal)) continue
          const where = `${place(bus, message, signal)} (${VSS_ATTRIBUTE} "${name}")`
          if (!CATALOG_NAME.test(name)) fail(`${where}: not a catalog name`)
          let unit = unitOf(name) ?? vssAdded.get(name)?.unit
          if (unit === undefined) {
            if (options.allowAdditions === false) fail(`${where}: ${name} is not in the signal catalog (closest: ${closestNames(name, catalog.entries().map((e) => e.name)).join(', ')})`)
            vssAdded.set(name, { name, unit: signal.unit, vss: name, description: `from ${VSS_ATTRIBUTE} of ${message.name}.${signal.name}` })
            unit = signal.unit
          }
          checkUnit(fail, place(bus, message, signal), signal, `${name} (its ${VSS_ATTRIBUTE})`, unit)
          map({ bus, message, signal, catalogName: name, policy: {}, via: 'VssSignal' }, where)
        }
      }
    }
  }

  const additions: Array<Omit<CatalogEntry, 'id'>> = []
  for (const c of spec.catalog) if (catalog.entry(c.name) === undefined) additions.push(c)
  for (const c of vssAdded.values()) additions.push(c)
  if (options.allowAdditions === false && additions.length > 0) fail(`adds ${additions.map((a) => a.name).join(', ')} to the catalog, which only a stored manifest can do`)
  const provides = [...new Set([...mappings.map((m) => m.catalogName), ...spec.catalog.map((c) => c.name)])].sort()
  return { source, databases, mappings, additions, provides, warnings }
}

function checkUnit (fail: (what: string) => never, at: string, signal: CanSignal, name: string, unit: string): void {
  if (canonicalUnit(signal.unit) !== canonicalUnit(unit)) fail(`${at} is in "${signal.unit}" but ${name} is in "${unit}"`)
}
