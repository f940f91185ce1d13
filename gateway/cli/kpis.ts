/** `pitwall kpis`: the service KPIs from the stored timelines. */
import type { Command } from 'commander'
import type { DurationKpi, RateKpi, ServiceKpis } from '../../actions/kpis/model.js'
import { kpiPeriod } from '../../actions/kpis/policy.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { zonedTime } from './values.js'

export function registerKpiCommand (program: Command): void {
  storageFlags(program.command('kpis').description('service KPIs from the stored timelines: alert times, first-time fix, downtime, remote fixes, OTA success'))
    .option('--from <time>', 'ISO 8601 start (default: 30 days before --to)', zonedTime).option('--to <time>', 'ISO 8601 end (default: now)', zonedTime)
    .option('--dealer <id>', "one dealer's alerts only").option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { from?: Date, to?: Date, dealer?: string, json?: boolean }) => {
      const period = kpiPeriod({ from: flags.from, to: flags.to })
      const k = await withStorage(flags, async (st) => await st.kpis.serviceKpis({ ...period, dealerId: flags.dealer }))
      if (flags.json === true) print(JSON.stringify(k))
      else for (const line of kpiLines(k)) print(line)
    })
}

// alerts take seconds, parts minutes to hours, repairs hours to days: each in a unit it reads well in
const readable = (s: number | null): string => s === null ? '-'
  : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} d`
const durationLine = (name: string, d: DurationKpi): string =>
  `${name}\t${d.count === 0 ? 'no cases' : `mean ${readable(d.meanS)}, p50 ${readable(d.p50S)}, p90 ${readable(d.p90S)} (${d.count})`}`
const rateLine = (name: string, r: RateKpi | null): string[] =>
  r === null ? [] : [`${name}\t${r.rate === null ? 'no cases' : `${(r.rate * 100).toFixed(1)} % (${r.hits} of ${r.count})`}`]

function kpiLines (k: ServiceKpis): string[] {
  return [
    `${k.from.toISOString()} .. ${k.to.toISOString()}${k.dealerId === null ? '' : `, dealer ${k.dealerId}`}`,
    `${durationLine('fault → alert at dealer', k.faultToAlert)}${k.faultToAlert.undelivered === 0 ? '' : `; ${k.faultToAlert.undelivered} not delivered yet`}`,
    durationLine('alert → parts staged', k.alertToPartsStaged),
    ...rateLine('first-time fix', k.firstTimeFix),
    durationLine('downtime (fault → repaired)', k.downtime),
    durationLine('repair time (booked → repaired)', k.repairTime),
    ...rateLine('fixed remotely', k.fixedRemotely),
    ...rateLine('OTA success', k.otaSuccess),
    ...rateLine('remote action success', k.remoteActionSuccess)
  ]
}
