/**
 * `pitwall commands send|list|show|approve|cancel`: signed commands to
 * vehicles, on storage directly; a running gateway sends a queued command on
 * its next pass (about a second).
 */
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import { commandBody, parseOtaRef } from '../../actions/commands/body.js'
import { COMMAND_TRANSITIONS, DEFAULT_COMMAND_TTL_MS, type Command, type CommandBody, type CommandState } from '../../actions/commands/model.js'
import { checkCommandTtl } from '../../actions/commands/policy.js'
import { isPitwallError } from '../../runtime/errors.js'
import type { Storage } from '../../storage/index.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { commaList, durationMs, me, param } from './values.js'

const CLI_FIELDS = { action: '--action NAME', ota: '--ota PACKAGE@VERSION' }

/** The body of --action NAME [--param k=v ...] or --ota PACKAGE@VERSION (looked up in the package registry). */
export async function bodyFrom (storage: Storage, flags: { action?: string, param?: Record<string, string>, ota?: string }): Promise<CommandBody> {
  try {
    const ota = flags.ota === undefined ? undefined : parseOtaRef(flags.ota, '--ota')
    const action = flags.action === undefined ? undefined : { name: flags.action, params: flags.param ?? {} }
    return await commandBody(storage.otaPackages, { action, ota }, CLI_FIELDS)
  } catch (err) {
    if (isPitwallError(err, 'PITWALL_ERR_COMMAND_INVALID')) throw new InvalidArgumentError(err.message)
    throw err
  }
}

function commandLine (c: Command): string {
  const what = 'ota' in c.body ? `ota ${c.body.ota.package}@${c.body.ota.version}` : 'action' in c.body ? `action ${c.body.action.name}` : 'diagnostic'
  return `${c.id}\t${c.vin}\t${what}\t${c.state}${c.progress === null ? '' : ` ${c.progress}%`}\t${c.campaignId ?? (c.faultId === null ? '-' : `fault ${c.faultId}`)}\t${c.detail ?? ''}`
}

export function registerCommandCommands (program: CliCommand): void {
  const commands = program.command('commands').description('signed commands to vehicles: remote actions and OTA updates')
  storageFlags(commands.command('send').description('queue a command for one vehicle (sent when it is connected)'))
    .requiredOption('--vin <vin>')
    .option('--action <name>', 'a remote action').option('--param <name=value>', 'an action parameter (repeatable)', param)
    .option('--ota <package@version>', 'an OTA update from the package registry')
    .option('--ttl <duration>', 'give up if not started within this, e.g. 12h', durationMs, DEFAULT_COMMAND_TTL_MS)
    .option('--by <name>', 'who sends it (default: the OS user)').option('--json', 'print the command as JSON')
    .action(async (flags: StorageFlags & { vin: string, action?: string, param?: Record<string, string>, ota?: string, ttl: number, by?: string, json?: boolean }) => {
      const c = await withStorage(flags, async (st) => {
        const body = await bodyFrom(st, flags)
        checkCommandTtl(flags.ttl)
        return await st.commands.enqueue({ vin: flags.vin, body, ttlMs: flags.ttl, requestedBy: me(flags.by) })
      })
      print(flags.json === true ? JSON.stringify(c) : commandLine(c))
    })
  storageFlags(commands.command('list').description('commands, newest first'))
    .option('--vin <vin>').option('--state <states>', 'comma-separated states', commaList).option('--campaign <id>').option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { vin?: string, state?: string[], campaign?: string, json?: boolean }) => {
      const all = await withStorage(flags, async (st) => await st.commands.list({ vin: flags.vin, state: flags.state as CommandState[] | undefined, campaignId: flags.campaign }))
      if (flags.json === true) print(JSON.stringify(all))
      else for (const c of all) print(commandLine(c))
    })
  storageFlags(commands.command('show').description('a command with its timeline')).argument('<id>').option('--json', 'JSON output')
    .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
      const { command, timeline } = await withStorage(flags, async (st) => ({ command: await st.commands.get(id), timeline: await st.commands.timeline(id) }))
      if (flags.json === true) { print(JSON.stringify({ command, timeline })); return }
      print(commandLine(command))
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.state}${e.progress === null ? '' : ` ${e.progress}%`}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${e.detail}`}`)
    })
  for (const [verb, describe] of [['approve', 'let a command that waits for approval go out'], ['cancel', 'withdraw a command not yet sent']] as const) {
    storageFlags(commands.command(verb).description(describe)).argument('<id>').option('--by <name>', 'who (default: the OS user)')
      .action(async (id: string, flags: StorageFlags & { by?: string }) => {
        const c = await withStorage(flags, async (st) => await st.commands.move(id, COMMAND_TRANSITIONS[verb], me(flags.by)))
        print(commandLine(c))
      })
  }
}
