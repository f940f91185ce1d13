/** `pitwall token create|list|revoke`: HTTP API tokens (shown once, stored as a hash). */
import { InvalidArgumentError, type Command } from 'commander'
import { API_ROLES, type ApiRole } from '../../actions/api-tokens/model.js'
import { isApiRole, tokenGrant } from '../../actions/api-tokens/policy.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { zonedTime } from './values.js'

function role (value: string): ApiRole {
  if (!isApiRole(value)) throw new InvalidArgumentError(`--role must be one of ${API_ROLES.join(', ')}, got ${value}`)
  return value
}

export function registerTokenCommands (program: Command): void {
  const token = program.command('token').description('HTTP API tokens: engineer, operator, or dealer (sees only its own data)')
  storageFlags(token.command('create').description('create a token and print it (shown once; stored only as a hash)'))
    .requiredOption('--name <name>', 'whose token it is').requiredOption('--role <role>', API_ROLES.join(' | '), role)
    .option('--dealer <id>', 'the dealer a dealer token belongs to').option('--expires <time>', 'ISO 8601 expiry', zonedTime)
    .action(async (flags: StorageFlags & { name: string, role: ApiRole, dealer?: string, expires?: Date }) => {
      const { token: secret, info } = await withStorage(flags, async (st) => {
        // as the API does: a token for a dealer that is not registered would see nothing, silently
        if (flags.role === 'dealer' && flags.dealer !== undefined) await st.dealers.get(flags.dealer)
        return await st.apiTokens.create(tokenGrant({ name: flags.name, role: flags.role, dealerId: flags.dealer, expiresAt: flags.expires }))
      })
      process.stderr.write(`token ${info.id} for ${info.name} (${info.role}${info.dealerId === null ? '' : ` of ${info.dealerId}`}); keep it now, it cannot be shown again\n`)
      print(secret)
    })
  storageFlags(token.command('list').description('tokens (never the token itself)')).option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const all = await withStorage(flags, async (st) => await st.apiTokens.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const t of all) print(`${t.id}\t${t.name}\t${t.role}${t.dealerId === null ? '' : `:${t.dealerId}`}\t${t.revokedAt === null ? 'active' : 'revoked'}\t${t.lastUsedAt?.toISOString() ?? 'never used'}`)
    })
  storageFlags(token.command('revoke').description('revoke a token at once')).argument('<id>')
    .action(async (id: string, flags: StorageFlags) => {
      const n = Number(id)
      if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${id}" is not a token id (pitwall token list shows them)`)
      const t = await withStorage(flags, async (st) => await st.apiTokens.revoke(n))
      print(`${t.id}\trevoked`)
    })
}
