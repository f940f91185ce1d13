/**
 * `pitwall kpis`: the service KPIs from the stored timelines, for the
 * period and (--by model, --by week) per group; --json as the API answers,
 * --csv as GET /api/v1/kpis.csv downloads.
 */
import { Option, type Command } from 'commander'
import type { DurationKpi, KpiFigures, RateKpi, ServiceKpis } from '../../actions/kpis/model.js'
import { ftfWindowDays, kpiGrouping, kpiPeriod } from '../../actions/kpis/policy.js'
import { kpiCsv } from '../api/kpis.js'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { integer, zonedTime } from './values.js'

interface KpiFlags extends StorageFlags {
  from?: Date
  to?: Date
  dealer?: string
  by?: string[]
  ftfWindowDays?: number
  json?: boolean
  csv?: boolean
}

const repeated = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim())]

export function registerKpiCommand (program: Command): void {
  storageFlags(program.command('kpis').description('service KPIs from the stored timelines: alert times, first-time fix (flagged and verified), downtime, back on the road, CSI/NPS, remote fixes, OTA success'))
    .option('--from <time>', 'ISO 8601 start (default: 30 days before --to)', zonedTime).option('--to <time>', 'ISO 8601 end (default: now)', zonedTime)
    .option('--dealer <id>', "one dealer's alerts only")
    .option('--by <key>', 'group by model or week (ISO 8601, UTC); repeat for both', repeated)
    .option('--ftf-window-days <days>', 'first-time fix window (default: PITWALL_FTF_WINDOW_DAYS, 30)', integer)
    .addOption(new Option('--csv', 'CSV output (RFC 4180), as the API exports it').conflicts('json'))
    .option('--json', 'JSON output, as the API answers')
    .action(async (flags: KpiFlags) => {
      const period = kpiPeriod({ from: flags.from, to: flags.to })
      const groupBy = kpiGrouping(flags.by ?? [], period, '--by')
      const windowDays = ftfWindowDays(flags.ftfWindowDays ?? configFrom({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl }).ftfWindowDays, '--ftf-window-days')
      const k = await withStorage(flags, async (st) => await st.kpis.serviceKpis({ ...period, dealerId: flags.dealer, groupBy, ftfWindowDays: windowDays }))
      if (flags.csv === true) process.stdout.write(kpiCsv(k))
      else if (flags.json === true) print(JSON.stringify(k))
      else for (const line of kpiLines(k)) print(line)
    })
}

// alerts take seconds, parts minutes to hours, repairs hours to days: each in a unit it reads well in
const readable = (s: number | null): string => s === null ? '-'
  : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} d`
const durationLine = (name: string, d: DurationKpi): string =>
  `${name}\t${d.count === 0 ? 'no cases' : `mean ${readable(d.meanS)}, p50 ${readable(d.p50S)}, p90 ${readable(d.p90S)} (${d.count})`}`
const percent = (r: RateKpi): string => r.rate === null ? 'no cases' : `${(r.rate * 100).toFixed(1)} % (${r.hits} of ${r.count})`
const rateLine = (name: string, r: RateKpi | null): string[] => r === null ? [] : [`${name}\t${percent(r)}`]

function figureLines (k: KpiFigures, windowDays: number): string[] {
  const v = k.verifiedFirstTimeFix
  return [
    `${durationLine('fault → alert at dealer', k.faultToAlert)}${k.faultToAlert.undelivered === 0 ? '' : `; ${k.faultToAlert.undelivered} not delivered yet`}`,
    durationLine('alert → parts staged', k.alertToPartsStaged),
    ...rateLine('first-time fix (dealer)', k.firstTimeFix),
    `first-time fix (verified, ${windowDays} d)\t${percent(v)}; ${v.pending} pending; ${v.disagreements} disagree with the dealer (${v.flaggedButReoccurred} flagged fixed, came back)`,
    durationLine('downtime (fault → repaired)', k.downtime),
    `${durationLine('back on the road', k.backOnRoad)}${k.backOnRoad.remote === 0 ? '' : `; ${k.backOnRoad.remote} by a remote fix`}`,
    durationLine('repair time (booked → repaired)', k.repairTime),
    `CSI (1-5)\t${k.csi.mean === null ? 'no answers' : `${k.csi.mean.toFixed(2)} (${k.csi.count})`}`,
    `NPS\t${k.nps.score === null ? 'no answers' : `${k.nps.score.toFixed(0)} (${k.nps.promoters} promoters, ${k.nps.passives} passives, ${k.nps.detractors} detractors)`}`,
    ...rateLine('fixed remotely', k.fixedRemotely),
    ...rateLine('OTA success', k.otaSuccess),
    ...rateLine('remote action success', k.remoteActionSuccess)
  ]
}

function kpiLines (k: ServiceKpis): string[] {
  const head = `${k.from.toISOString()} .. ${k.to.toISOString()}${k.dealerId === null ? '' : `, dealer ${k.dealerId}`}`
  return [
    head,
    ...figureLines(k, k.ftfWindowDays),
    ...k.groups.flatMap((g) => ['', `${[g.model === null ? (k.groupBy.includes('model') ? 'model: none' : '') : `model ${g.model}`, g.week ?? ''].filter((s) => s !== '').join(', ')}`,
      ...figureLines(g, k.ftfWindowDays).map((line) => `  ${line}`)])
  ]
}
