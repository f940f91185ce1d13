/**
 * `pitwall reproject --from T --to T [--vin V...] [--manifest MODEL@VERSION]`:
 * rebuilds the decoded rows (signal samples, GNSS fixes, DTC rows) of a
 * time range from the raw archive, e.g. after a better DBC: the rows in the
 * range are deleted and written again from the batches, with the manifest
 * that decoded each batch or the one named (its model's batches then record
 * it). Rows outside the range are not touched. Safe beside running
 * gateways: each batch's rows are written once, whoever offers them.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { modelVersion, timeUs } from './values.js'
import { batchLimitsOf } from '../config.js'

/** A day of a 10,000-vehicle fleet is ~36M samples: a larger range is a deliberate act. */
const MAX_RANGE_DAYS = 31

interface ReprojectFlags extends StorageFlags {
  from: number
  to: number
  vin?: string[]
  manifest?: { model: string, version?: number }
  canDbc?: string
  json?: boolean
}

export function registerReprojectCommand (program: Command): void {
  storageFlags(program.command('reproject').description('rebuild the decoded rows of a time range from the raw batch archive (e.g. with a new DBC)'))
    .requiredOption('--from <time>', 'from this time (ISO 8601), inclusive', timeUs)
    .requiredOption('--to <time>', 'up to this time (ISO 8601), exclusive', timeUs)
    .option('--vin <vin...>', 'only these vehicles (default: all)')
    .option('--manifest <model@version>', 'decode its model\'s batches with this stored manifest version instead of the one that decoded them', modelVersion)
    .option('--can-dbc <bus=file,...>', 'a default decoder to try for batches no stored manifest decoded; default: the one the gateways decode with (PITWALL_CAN_DBC)')
    .option('--json', 'JSON output')
    .action(async (flags: ReprojectFlags) => {
      if (flags.to <= flags.from) throw new InvalidArgumentError('--to must be after --from')
      if (flags.to - flags.from > MAX_RANGE_DAYS * 86_400e6) throw new InvalidArgumentError(`--from to --to spans more than ${MAX_RANGE_DAYS} days: reproject it in parts`)
      if (flags.manifest !== undefined && flags.manifest.version === undefined) throw new InvalidArgumentError(`--manifest ${flags.manifest.model} is not MODEL@VERSION`)
      const { reproject } = await import('../archive-projection.js')
      const { loadDefaultManifest } = await import('../default-manifest.js')
      const { StoredManifests, storedCatalog, storedDefaultManifest } = await import('../manifests.js')
      const config = configFrom({ ...flags, logLevel: 'silent' })
      const minIntervalS = config.sampleIntervalMs / 1000
      // --can-dbc: a trial default; without it, the one the gateways decode with
      const given = loadDefaultManifest(config.canDbc, minIntervalS)
      const report = await withStorage(flags, async (storage) => {
        if (flags.vin !== undefined) {
          const known = await storage.archive.extent({ vins: flags.vin }, flags.vin.length)
          if (known.unknown.length > 0) throw new InvalidArgumentError(`no vehicle ${known.unknown.join(', ')}`)
        }
        const catalog = await storedCatalog(storage.manifests)
        const stored = new StoredManifests(storage.manifests, catalog, minIntervalS)
        const fallback = given ?? await storedDefaultManifest(storage.manifests, catalog, minIntervalS)
        const manifest = flags.manifest === undefined ? undefined : await stored.get((await storage.manifests.get(flags.manifest)).id)
        return await reproject(storage.archive, storage.projector, { catalog, stored: async (id) => await stored.get(id), fallback, limits: batchLimitsOf(config) },
          { fromUs: flags.from, toUs: flags.to, vins: flags.vin, manifest })
      })
      if (flags.json === true) {
        print(JSON.stringify(report))
        return
      }
      print(`${report.batches} batches decoded again${report.skipped > 0 ? ` (${report.skipped} no longer decode: their rows are left out)` : ''}`)
      print(`samples: ${report.deleted.samples} deleted, ${report.written.samples} written; GNSS fixes (${report.deleted.gnss}) and DTC rows (${report.deleted.dtcs}) of the range deleted and written again from the archive`)
    })
}
