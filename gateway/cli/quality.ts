/**
 * `pitwall quality`: the fleet quality report (storage/quality.ts), as a
 * table to read, or as the API answers it: --json, --csv (the file
 * GET /api/v1/quality.csv downloads).
 */
import { InvalidArgumentError, Option, type Command } from 'commander'
import { QUALITY_KINDS, type QualityKind, type QualityReport, type QualityRow } from '../../storage/quality.js'
import { qualityCsv, qualityQuery } from '../api/quality.js'
import { columns, print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { commaList, integer, zonedTime } from './values.js'

interface QualityFlags extends StorageFlags {
  from?: Date
  to?: Date
  model?: string
  firmware?: string
  brand?: string
  kind?: QualityKind[]
  limit?: number
  csv?: boolean
  json?: boolean
}

function kinds (value: string): QualityKind[] {
  return commaList(value).map((kind) => {
    if (!(QUALITY_KINDS as readonly string[]).includes(kind)) throw new InvalidArgumentError(`"${kind}" is not one of ${QUALITY_KINDS.join(', ')}`)
    return kind as QualityKind
  })
}

export function registerQualityCommand (program: Command): void {
  storageFlags(program.command('quality').description('top DTCs and faults per model and firmware, against the previous window'))
    .option('--from <time>', 'ISO 8601 start (default: 7 days before --to)', zonedTime).option('--to <time>', 'ISO 8601 end (default: now)', zonedTime)
    .option('--model <model>', 'one vehicle model only').option('--firmware <version>', 'one firmware version only').option('--brand <brand>', 'one brand only')
    .option('--kind <kinds>', `${QUALITY_KINDS.join(', ')} or both, comma-separated (default both)`, kinds)
    .option('--limit <n>', 'at most this many rows (default 20, at most 500)', integer)
    .addOption(new Option('--csv', 'CSV output (RFC 4180), as the API exports it').conflicts('json'))
    .option('--json', 'JSON output, as the API answers')
    .action(async (flags: QualityFlags) => {
      const query = qualityQuery({ ...flags, kinds: flags.kind }, (name) => `--${name}`)
      const report = await withStorage(flags, async (storage) => await storage.quality.report(query))
      if (flags.csv === true) process.stdout.write(qualityCsv(report))
      else if (flags.json === true) print(JSON.stringify(report))
      else for (const line of reportLines(report)) print(line)
    })
}

const HEADINGS = ['kind', 'code', 'model', 'firmware', 'vehicles', 'fleet', 'per 1000', 'before', 'trend', 'occurrences', 'first seen', 'name']

// rates run from hundreds per 1,000 (a small test fleet) to hundredths (a large one): three significant digits or so either way
const rate = (x: number): string => x.toFixed(Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2)
const minute = (d: Date): string => d.toISOString().slice(0, 16) + 'Z'

function cells (r: QualityRow): string[] {
  return [r.kind, r.code, r.model ?? '-', r.firmware ?? '-', String(r.vehiclesAffected), String(r.fleetSize), rate(r.ratePer1000),
    rate(r.previousRatePer1000), r.trend, String(r.occurrences), minute(r.firstSeenAt), r.name === null ? '' : `${r.name} (${r.severity ?? '-'})`]
}

function reportLines (report: QualityReport): string[] {
  const header = `${report.from.toISOString()} .. ${report.to.toISOString()}, before: from ${report.previousFrom.toISOString()}`
  if (report.rows.length === 0) return [header, 'no DTC or fault reported in this window']
  return [header, ...columns([HEADINGS, ...report.rows.map(cells)])]
}
