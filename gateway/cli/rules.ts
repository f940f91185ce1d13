/**
 * `pitwall rules apply|list|enable|disable|backtest`: fault rules, applied
 * without a gateway restart, and a draft rule file tried on stored batches.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { loadRuleFile } from '../../rules/load.js'
import { batchLimitsOf } from '../config.js'
import { print, printWarnings } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { modelVersion, timeUs } from './values.js'

export function registerRuleCommands (program: Command): void {
  const rules = program.command('rules').description('manage fault rules (applied without a gateway restart)')

  storageFlags(rules.command('apply').description('add or update the rules of a YAML or JSON rule file'))
    .argument('<file>', 'rule file (.yaml, .yml or .json)')
    .option('--json', 'print {"added","changed","unchanged"} as JSON')
    .action(async (file: string, flags: StorageFlags & { json?: boolean }) => {
      // A bad file changes nothing: it is checked, against the signals the active manifests provide, before anything is stored.
      const { ruleSignals } = await import('../manifests.js')
      const result = await withStorage(flags, async (storage) => {
        const defs = loadRuleFile(file, await ruleSignals(storage.manifests))
        return await storage.rules.apply(defs)
      })
      if (flags.json === true) print(JSON.stringify(result))
      else for (const [what, ids] of Object.entries(result)) print(`${what}: ${ids.length === 0 ? '-' : ids.join(', ')}`)
    })

  storageFlags(rules.command('list').description('list the stored rules'))
    .option('--json', 'JSON output (with each definition)')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const list = await withStorage(flags, async (storage) => await storage.rules.list())
      if (flags.json === true) print(JSON.stringify(list))
      else for (const r of list) print(`${r.id}\t${r.version}\t${r.enabled ? 'enabled' : 'disabled'}\t${r.severity}\t${r.name}`)
    })

  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable'
    storageFlags(rules.command(verb).description(`${verb} a stored rule (no new version)`))
      .argument('<id>', 'rule id')
      .action(async (id: string, flags: StorageFlags) => {
        const changed = await withStorage(flags, async (storage) => await storage.rules.setEnabled(id, enabled))
        print(`rule ${id} ${changed ? '' : 'was already '}${verb}d`)
      })
  }

  storageFlags(rules.command('backtest').description('run a draft rule file over stored batches and report the faults it would have raised'))
    .argument('<file>', 'rule file (.yaml, .yml or .json); need not be applied')
    .option('--vin <vin...>', 'only these vehicles (default: all)')
    .option('--from <time>', 'from this batch time (ISO 8601)', timeUs)
    .option('--to <time>', 'up to this batch time (ISO 8601)', timeUs)
    .option('--can-dbc <bus=file,...>', 'a default decoder to try for batches no stored manifest decoded; default: the one the gateways decode with (PITWALL_CAN_DBC)')
    .option('--manifest <model@version>', 'decode its model\'s batches with this stored manifest version instead of the one that decoded them', modelVersion)
    .option('--manifest-file <file>', 'decode its model\'s batches with this manifest file, not stored (try a new DBC on old data)')
    .option('--json', 'the whole report, evidence included, as JSON')
    .action(async (file: string, flags: StorageFlags & { vin?: string[], from?: number, to?: number, canDbc?: string, manifest?: { model: string, version?: number }, manifestFile?: string, json?: boolean }) => {
      if (flags.manifest !== undefined && flags.manifestFile !== undefined) throw new InvalidArgumentError('give --manifest or --manifest-file, not both')
      if (flags.manifest !== undefined && flags.manifest.version === undefined) throw new InvalidArgumentError(`--manifest ${flags.manifest.model} is not MODEL@VERSION`)
      const { runBacktest } = await import('../backtest.js')
      const { loadDefaultManifest } = await import('../default-manifest.js')
      const { StoredManifests, storedCatalog, storedDefaultManifest, trialManifest } = await import('../manifests.js')
      const config = configFrom({ ...flags, logLevel: 'silent' })
      const minIntervalS = config.sampleIntervalMs / 1000
      // --can-dbc: a trial default; without it, the one the gateways decode with
      const given = loadDefaultManifest(config.canDbc, minIntervalS)
      const { report, defs } = await withStorage(flags, async (storage) => {
        let catalog = await storedCatalog(storage.manifests)
        const stored = new StoredManifests(storage.manifests, catalog, minIntervalS)
        const fallback = given ?? await storedDefaultManifest(storage.manifests, catalog, minIntervalS)
        let trial
        if (flags.manifestFile !== undefined) {
          const draft = trialManifest(flags.manifestFile, catalog, minIntervalS)
          printWarnings(draft.warnings, true)
          trial = draft.manifest
          catalog = draft.catalog
        } else if (flags.manifest !== undefined) {
          trial = await stored.get((await storage.manifests.get(flags.manifest)).id)
        }
        // a draft rule may read what the catalog has, trial additions included
        const names = new Set(catalog.entries().map((e) => e.name))
        const defs = loadRuleFile(file, { has: (n) => names.has(n), names: () => names, where: 'the catalog' })
        const report = await runBacktest(storage.archive, defs, { vins: flags.vin, fromUs: flags.from, toUs: flags.to },
          { catalog, stored: async (id) => await stored.get(id), fallback, trial, limits: batchLimitsOf(config) })
        return { report, defs }
      })
      if (flags.json === true) {
        print(JSON.stringify(report))
        return
      }
      print(`${report.batches} batches of ${report.vehicles} vehicles (${report.skippedBatches} refused batches skipped); decoded with ${Object.entries(report.decodedWith).map(([m, n]) => `${m}: ${n}`).join(', ') || 'nothing'}`)
      for (const e of report.events) {
        print(`${new Date(e.timeUs / 1000).toISOString()}\t${e.vin}\t${e.ruleId}\t${e.type}\t#${e.occurrences}\t${e.evidence.length} evidence samples`)
      }
      for (const def of defs) print(`${def.id}: ${report.byRule[def.id] ?? 0} faults`)
    })
}
