/**
 * `pitwall manifests check|add|list|show|activate|deactivate` and
 * `pitwall catalog list`: decoder manifests per vehicle model, and the
 * catalog they grow. Running gateways pick up a change within seconds.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { FIRST_ADDED_SIGNAL_ID } from '../../decoders/catalog.js'
import { loadManifestFile } from '../../decoders/manifest/load.js'
import type { ManifestSource } from '../../decoders/manifest/model.js'
import type { StoredManifest, StoredManifestSummary } from '../../storage/manifests.js'
import { addManifest, checkManifest, storedCatalog } from '../manifests.js'
import { print, printWarnings } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { me, modelVersion } from './values.js'

function summaryLine (m: StoredManifestSummary): string {
  const warnings = Object.values(m.warningCounts).reduce((a, b) => a + b, 0)
  return `${m.model}@${m.version}\t${m.active ? 'active' : 'inactive'}\tid ${m.id}\t${m.buses.map((b) => `bus ${b.bus}=${b.dbc}`).join(' ')}\t` +
    `${m.mappedSignals} signals mapped\t${warnings} DBC warnings\t${m.createdAt.toISOString()} by ${m.createdBy}`
}

function printDetails (m: StoredManifest): void {
  print(summaryLine(m))
  if (m.description !== null) print(`  ${m.description}`)
  print(`  strict DBC parse: ${m.definition.strict ? 'yes' : 'no'}; VssSignal attributes mapped: ${m.definition.vssAttribute ? 'yes' : 'no'}`)
  for (const b of m.buses) print(`  bus ${b.bus}${b.name === undefined ? '' : ` (${b.name})`}: ${b.dbc} sha256 ${b.sha256}`)
  for (const x of m.mappings) print(`  bus ${x.bus} ${x.message}.${x.signal} -> ${x.catalog} [${x.unit}] (${x.via})`)
  for (const c of m.definition.catalog) print(`  adds ${c.name} [${c.unit}]${c.vss === undefined ? '' : ` vss ${c.vss}`}`)
  const counts = Object.entries(m.warningCounts)
  if (counts.length > 0) print(`  DBC warnings: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}`)
  for (const e of m.events) print(`  ${e.at.toISOString()}\t${e.type}\tby ${e.by}`)
}

export function registerManifestCommands (program: Command): void {
  const manifests = program.command('manifests').description('decoder manifests: per vehicle model, the DBC of each bus, the signals stored and their policy (versioned; one active per model)')

  storageFlags(manifests.command('check').description('check manifest files against their DBCs and the catalog without storing them'))
    .argument('<files...>', 'manifest files (.yaml, .yml or .json); DBC paths are relative to each')
    .option('--all-warnings', 'print every DBC warning, not the first 20')
    .option('--json', 'JSON output')
    .action(async (files: string[], flags: StorageFlags & { allWarnings?: boolean, json?: boolean }) => {
      const sources = files.map(loadManifestFile)
      const results = await withStorage(flags, async (st) => {
        const catalog = await storedCatalog(st.manifests)
        return sources.map((source) => {
          const resolved = checkManifest(source, catalog)
          return { file: source.origin, model: source.spec.model, mapped: resolved.mappings.length, adds: resolved.additions.map((a) => a.name), provides: resolved.provides, warnings: resolved.warnings }
        })
      })
      if (flags.json === true) {
        print(JSON.stringify(results))
        return
      }
      for (const r of results) {
        printWarnings(r.warnings, flags.allWarnings === true)
        print(`${r.file}: model ${r.model}, ${r.mapped} DBC signals mapped, adds ${r.adds.length === 0 ? 'nothing' : r.adds.join(', ')} to the catalog, ${r.warnings.length} DBC warnings`)
      }
    })

  storageFlags(manifests.command('add').description('store manifest files, each as its model\'s next version (the same content again adds nothing)'))
    .argument('<files...>', 'manifest files (.yaml, .yml or .json); DBC paths are relative to each')
    .option('--activate', 'make each the active manifest of its model')
    .option('--by <name>', 'who adds it (default: the OS user)')
    .option('--all-warnings', 'print every DBC warning, not the first 20')
    .option('--json', 'JSON output')
    .action(async (files: string[], flags: StorageFlags & { activate?: boolean, by?: string, allWarnings?: boolean, json?: boolean }) => {
      const sources = files.map(loadManifestFile)
      if (flags.activate === true) refuseTwoForOneModel(sources)
      const results = await withStorage(flags, async (st) => {
        const out = []
        for (const source of sources) out.push({ file: source.origin, ...(await addManifest(st.manifests, source, me(flags.by), flags.activate === true)) })
        return out
      })
      if (flags.json === true) {
        print(JSON.stringify(results))
        return
      }
      for (const r of results) {
        printWarnings(r.warnings, flags.allWarnings === true)
        const m = r.manifest
        const added = r.catalogAdded.length === 0 ? '' : `; catalog: ${r.catalogAdded.map((c) => `${c.name} (id ${c.id})`).join(', ')}`
        print(`${r.file}: ${r.created ? 'stored as' : 'already stored as'} ${m.model}@${m.version} (id ${m.id})${r.activated ? ', now active' : m.active ? ', active' : ''}${added}`)
      }
    })

  storageFlags(manifests.command('list').description('stored manifest versions'))
    .option('--model <model>', 'only this model')
    .option('--active', 'only the active versions')
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { model?: string, active?: boolean, json?: boolean }) => {
      const list = await withStorage(flags, async (st) => await st.manifests.list({ model: flags.model, active: flags.active === true ? true : undefined }))
      if (flags.json === true) print(JSON.stringify(list))
      else for (const m of list) print(summaryLine(m))
    })

  storageFlags(manifests.command('show').description('one version: buses, DBC files, every mapped signal, what it adds to the catalog, its history'))
    .argument('<manifest>', 'MODEL (its active version), MODEL@VERSION, or the id')
    .option('--json', 'JSON output')
    .action(async (ref: string, flags: StorageFlags & { json?: boolean }) => {
      const m = await withStorage(flags, async (st) => await st.manifests.get(/^\d+$/.test(ref) ? { id: Number(ref) } : modelVersion(ref)))
      if (flags.json === true) print(JSON.stringify(m))
      else printDetails(m)
    })

  storageFlags(manifests.command('activate').description('make a version its model\'s active manifest; gateways decode with it within seconds'))
    .argument('<manifest>', 'MODEL@VERSION', modelVersion)
    .option('--by <name>', 'who activates it (default: the OS user)')
    .action(async (ref: { model: string, version?: number }, flags: StorageFlags & { by?: string }) => {
      if (ref.version === undefined) throw new InvalidArgumentError('give MODEL@VERSION (pitwall manifests list shows the versions)')
      const version = ref.version
      const changed = await withStorage(flags, async (st) => await st.manifests.activate(ref.model, version, me(flags.by)))
      print(`${ref.model}@${version} ${changed ? 'is now' : 'was already'} the active manifest of ${ref.model}`)
    })

  storageFlags(manifests.command('deactivate').description('stop decoding a model\'s CAN frames (archived raw only, counted) until a version is activated'))
    .argument('<model>', 'the vehicle model')
    .option('--by <name>', 'who deactivates it (default: the OS user)')
    .action(async (model: string, flags: StorageFlags & { by?: string }) => {
      const changed = await withStorage(flags, async (st) => await st.manifests.deactivate(model, me(flags.by)))
      print(changed ? `${model} has no active manifest now` : `${model} had no active manifest`)
    })

  const catalog = program.command('catalog').description('the signal catalog: built-in signals and those decoder manifests added')
  storageFlags(catalog.command('list').description('every catalog signal with its id, unit and VSS path'))
    .option('--added', 'only the signals manifests added')
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { added?: boolean, json?: boolean }) => {
      const entries = await withStorage(flags, async (st) => await st.manifests.catalog())
      const shown = flags.added === true ? entries.filter((e) => e.id >= FIRST_ADDED_SIGNAL_ID) : entries
      if (flags.json === true) print(JSON.stringify(shown))
      else for (const e of shown) print(`${e.id}\t${e.name}\t${e.unit === '' ? '-' : e.unit}${e.vss === undefined || e.vss === e.name ? '' : `\tvss ${e.vss}`}`)
    })
}

/** Two files of one model both activated in one go: the second would silently replace the first. */
function refuseTwoForOneModel (sources: readonly ManifestSource[]): void {
  const byModel = new Map<string, string>()
  for (const s of sources) {
    const other = byModel.get(s.spec.model)
    if (other !== undefined) throw new InvalidArgumentError(`${other} and ${s.origin} are both manifests of model ${s.spec.model}; only one can be active (add both without --activate, then activate one)`)
    byModel.set(s.spec.model, s.origin)
  }
}
