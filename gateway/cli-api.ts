/** `pitwall token | cases | kpis`: API tokens (shown once), the case base and the service KPIs from the command line. */
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import { API_ROLES, type ApiRole } from '../storage/api-tokens.js'
import { loadCasePack } from '../storage/case-pack.js'
import { DEFAULT_KPI_WINDOW_MS, type DurationKpi, type RateKpi, type ServiceKpis } from '../storage/kpis.js'
import { parseIsoTime } from './api/request-values.js'
import type { CliSupport } from './cli-actions.js'
import { me } from './cli-values.js'

function role (value: string): ApiRole {
  if (!(API_ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--role must be one of ${API_ROLES.join(', ')}, got ${value}`)
  return value as ApiRole
}

/** An ISO 8601 time with its zone (as the API takes it): without one the host's zone would decide. */
function date (value: string): Date {
  try {
    return parseIsoTime(value, 'the time')
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

export function registerApiCommands (program: CliCommand, s: Pick<CliSupport, 'storageFlags' | 'withStorage' | 'print'>): void {
  const { storageFlags, withStorage, print } = s
  const token = program.command('token').description('HTTP API tokens: engineer, operator, or dealer (sees only its own data)')
  storageFlags(token.command('create').description('create a token and print it (shown once; stored only as a hash)'))
    .requiredOption('--name <name>', 'whose token it is').requiredOption('--role <role>', API_ROLES.join(' | '), role)
    .option('--dealer <id>', 'the dealer a dealer token belongs to').option('--expires <time>', 'ISO 8601 expiry', date)
    .action(async (flags: { name: string, role: ApiRole, dealer?: string, expires?: Date, dataDir?: string, databaseUrl?: string }) => {
      const { token: secret, info } = await withStorage(flags, async (st) => {
        // as the API does: a token for a dealer that is not registered would see nothing, silently
        if (flags.role === 'dealer' && flags.dealer !== undefined) await st.dealers.get(flags.dealer)
        return await st.apiTokens.create({ name: flags.name, role: flags.role, dealerId: flags.dealer, expiresAt: flags.expires })
      })
      process.stderr.write(`token ${info.id} for ${info.name} (${info.role}${info.dealerId === null ? '' : ` of ${info.dealerId}`}); keep it now, it cannot be shown again\n`)
      print(secret)
    })
  storageFlags(token.command('list').description('tokens (never the token itself)')).option('--json', 'JSON output')
    .action(async (flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const all = await withStorage(flags, async (st) => await st.apiTokens.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const t of all) print(`${t.id}\t${t.name}\t${t.role}${t.dealerId === null ? '' : `:${t.dealerId}`}\t${t.revokedAt === null ? 'active' : 'revoked'}\t${t.lastUsedAt?.toISOString() ?? 'never used'}`)
    })
  storageFlags(token.command('revoke').description('revoke a token at once')).argument('<id>')
    .action(async (id: string, flags: { dataDir?: string, databaseUrl?: string }) => {
      const n = Number(id)
      if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${id}" is not a token id (pitwall token list shows them)`)
      const t = await withStorage(flags, async (st) => await st.apiTokens.revoke(n))
      print(`${t.id}\trevoked`)
    })

  const cases = program.command('cases').description('the case base: known faults and their fixes')
  storageFlags(cases.command('apply').description('add or update the cases of a YAML or JSON case pack')).argument('<file>').option('--by <name>')
    .action(async (file: string, flags: { by?: string, dataDir?: string, databaseUrl?: string }) => {
      const inputs = loadCasePack(file)
      const r = await withStorage(flags, async (st) => await st.cases.apply(inputs, me(flags.by)))
      print(JSON.stringify(r))
    })
  storageFlags(cases.command('search').description('full-text search (words, "phrases", -not, or a DTC like P0301)')).argument('<query>').option('--json', 'JSON output')
    .action(async (query: string, flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const hits = await withStorage(flags, async (st) => await st.cases.search(query))
      if (flags.json === true) print(JSON.stringify(hits))
      else for (const h of hits) print(`${h.case.id}\t${h.case.title}`)
    })

  storageFlags(program.command('kpis').description('service KPIs from the stored timelines: alert times, first-time fix, downtime, remote fixes, OTA success'))
    .option('--from <time>', 'ISO 8601 start (default: 30 days before --to)', date).option('--to <time>', 'ISO 8601 end (default: now)', date)
    .option('--dealer <id>', "one dealer's alerts only").option('--json', 'JSON output')
    .action(async (flags: { from?: Date, to?: Date, dealer?: string, json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const to = flags.to ?? new Date()
      const from = flags.from ?? new Date(to.getTime() - DEFAULT_KPI_WINDOW_MS)
      const k = await withStorage(flags, async (st) => await st.kpis.serviceKpis({ from, to, dealerId: flags.dealer }))
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
