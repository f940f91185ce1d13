/** `pitwall token | cases`: API tokens (shown once) and the case base from the command line. */
import { userInfo } from 'node:os'
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import { API_ROLES, type ApiRole } from '../storage/api-tokens.js'
import { loadCasePack } from '../storage/case-pack.js'
import type { CliSupport } from './cli-actions.js'

function role (value: string): ApiRole {
  if (!(API_ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--role must be one of ${API_ROLES.join(', ')}, got ${value}`)
  return value as ApiRole
}

function date (value: string): Date {
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${value}" is not an ISO 8601 time`)
  return d
}

export function registerApiCommands (program: CliCommand, s: Pick<CliSupport, 'storageFlags' | 'withStorage' | 'print'>): void {
  const { storageFlags, withStorage, print } = s
  const token = program.command('token').description('HTTP API tokens: engineer, operator, or dealer (sees only its own data)')
  storageFlags(token.command('create').description('create a token and print it (shown once; stored only as a hash)'))
    .requiredOption('--name <name>', 'whose token it is').requiredOption('--role <role>', API_ROLES.join(' | '), role)
    .option('--dealer <id>', 'the dealer a dealer token belongs to').option('--expires <time>', 'ISO 8601 expiry', date)
    .action(async (flags: { name: string, role: ApiRole, dealer?: string, expires?: Date, dataDir?: string, databaseUrl?: string }) => {
      const { token: secret, info } = await withStorage(flags, async (st) => await st.apiTokens.create({ name: flags.name, role: flags.role, dealerId: flags.dealer, expiresAt: flags.expires }))
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
      const r = await withStorage(flags, async (st) => await st.cases.apply(inputs, flags.by ?? userInfo().username))
      print(JSON.stringify(r))
    })
  storageFlags(cases.command('search').description('full-text search (words, "phrases", -not, or a DTC like P0301)')).argument('<query>').option('--json', 'JSON output')
    .action(async (query: string, flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const hits = await withStorage(flags, async (st) => await st.cases.search(query))
      if (flags.json === true) print(JSON.stringify(hits))
      else for (const h of hits) print(`${h.case.id}\t${h.case.title}`)
    })
}
