/**
 * `pitwall keys | packages | commands | campaigns`: the actions layer from
 * the command line. They work on storage directly; a running gateway picks
 * up queued commands and campaign changes on its next pass (about a second).
 */
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import { CommandBodyError, commandBody, parseOtaRef } from '../actions/command-body.js'
import { exportPublicKeys, generateCommandKey, loadCommandKeys } from '../actions/command-keys.js'
import { parseDuration } from '../decoders/duration.js'
import type { Cohort } from '../storage/campaigns.js'
import type { Command, CommandBody, CommandState } from '../storage/commands.js'
import type { Storage } from '../storage/index.js'
import { commaList, me } from './cli-values.js'

export interface CliSupport {
  storageFlags: (cmd: CliCommand) => CliCommand
  withStorage: <T>(flags: { dataDir?: string, databaseUrl?: string }, work: (storage: Storage) => Promise<T>) => Promise<T>
  print: (line: string) => void
  /** the directory keys live in when --dir is not given (as the gateway resolves it) */
  defaultKeysDir: (flags: { dataDir?: string }) => string
}

/** `12h`, `30m`, `7d`, `90s` (as in rule files) → ms */
export function durationMs (value: string): number {
  const seconds = parseDuration(value)
  if (seconds === undefined || seconds <= 0) throw new InvalidArgumentError(`"${value}" is not a duration like 90s, 30m, 12h or 7d`)
  return Math.round(seconds * 1000)
}

/** `name=value` pairs of --param */
function param (value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=')
  if (i <= 0) throw new InvalidArgumentError(`--param ${JSON.stringify(value)} is not name=value`)
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) }
}

const CLI_FIELDS = { action: '--action NAME', ota: '--ota PACKAGE@VERSION' }

/** The body of --action NAME [--param k=v ...] or --ota PACKAGE@VERSION (looked up in the package registry). */
async function bodyFrom (storage: Storage, flags: { action?: string, param?: Record<string, string>, ota?: string }): Promise<CommandBody> {
  try {
    const ota = flags.ota === undefined ? undefined : parseOtaRef(flags.ota, '--ota')
    const action = flags.action === undefined ? undefined : { name: flags.action, params: flags.param ?? {} }
    return await commandBody(storage.otaPackages, { action, ota }, CLI_FIELDS)
  } catch (err) {
    if (err instanceof CommandBodyError) throw new InvalidArgumentError(err.message)
    throw err
  }
}

function commandLine (c: Command): string {
  const what = 'ota' in c.body ? `ota ${c.body.ota.package}@${c.body.ota.version}` : 'action' in c.body ? `action ${c.body.action.name}` : 'diagnostic'
  return `${c.id}\t${c.vin}\t${what}\t${c.state}${c.progress === null ? '' : ` ${c.progress}%`}\t${c.campaignId ?? (c.faultId === null ? '-' : `fault ${c.faultId}`)}\t${c.detail ?? ''}`
}

export function registerActionCommands (program: CliCommand, s: CliSupport): void {
  const { storageFlags, withStorage, print } = s

  const keys = program.command('keys').description('Ed25519 keys the gateway signs commands with')
  keys.command('generate').description('add a signing key (the newest signs; provision T-boxes with its public key first)')
    .option('--dir <dir>', 'key directory (default: DATA_DIR/command-keys)').option('--data-dir <dir>', 'data directory (PITWALL_DATA_DIR)')
    .action(async (flags: { dir?: string, dataDir?: string }) => {
      const key = await generateCommandKey(flags.dir ?? s.defaultKeysDir(flags))
      print(key.keyId)
    })
  keys.command('export').description('the public keys a T-box must trust, as PEM, one per key id')
    .option('--dir <dir>', 'key directory (default: DATA_DIR/command-keys)').option('--data-dir <dir>', 'data directory (PITWALL_DATA_DIR)')
    .option('--json', '{"keyId": "PEM"} as JSON')
    .action(async (flags: { dir?: string, dataDir?: string, json?: boolean }) => {
      const pems = await exportPublicKeys(flags.dir ?? s.defaultKeysDir(flags))
      if (flags.json === true) print(JSON.stringify(Object.fromEntries(pems)))
      else for (const [id, pem] of pems) print(`# ${id}\n${pem.trimEnd()}`)
    })
  keys.command('list').description('key ids, the active one first')
    .option('--dir <dir>', 'key directory (default: DATA_DIR/command-keys)').option('--data-dir <dir>', 'data directory (PITWALL_DATA_DIR)')
    .action(async (flags: { dir?: string, dataDir?: string }) => {
      const loaded = await loadCommandKeys(flags.dir ?? s.defaultKeysDir(flags))
      print(`${loaded.active.keyId}\tactive`)
      for (const id of loaded.publicKeys.keys()) if (id !== loaded.active.keyId) print(`${id}\ttrusted`)
    })

  const packages = program.command('packages').description('OTA packages commands and campaigns may name')
  storageFlags(packages.command('add').description('register an OTA package version'))
    .requiredOption('--package <name>').requiredOption('--version <version>').requiredOption('--url <url>', 'where the T-box downloads it')
    .requiredOption('--sha256 <hex>', 'SHA-256 of the file').requiredOption('--size <bytes>', 'file size', Number)
    .option('--by <name>', 'who registers it (default: the OS user)')
    .action(async (flags: { package: string, version: string, url: string, sha256: string, size: number, by?: string, dataDir?: string, databaseUrl?: string }) => {
      const p = await withStorage(flags, async (st) => await st.otaPackages.add({ package: flags.package, version: flags.version, url: flags.url, sha256: flags.sha256.toLowerCase(), size: flags.size, addedBy: me(flags.by) }))
      print(`${p.package}@${p.version}`)
    })
  storageFlags(packages.command('list').description('registered OTA packages')).option('--json', 'JSON output')
    .action(async (flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const all = await withStorage(flags, async (st) => await st.otaPackages.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const p of all) print(`${p.package}@${p.version}\t${p.size} B\t${p.url}`)
    })

  const commands = program.command('commands').description('signed commands to vehicles: remote actions and OTA updates')
  storageFlags(commands.command('send').description('queue a command for one vehicle (sent when it is connected)'))
    .requiredOption('--vin <vin>')
    .option('--action <name>', 'a remote action').option('--param <name=value>', 'an action parameter (repeatable)', param)
    .option('--ota <package@version>', 'an OTA update from the package registry')
    .option('--ttl <duration>', 'give up if not started within this, e.g. 12h', durationMs, 24 * 3_600_000)
    .option('--by <name>', 'who sends it (default: the OS user)').option('--json', 'print the command as JSON')
    .action(async (flags: { vin: string, action?: string, param?: Record<string, string>, ota?: string, ttl: number, by?: string, json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const c = await withStorage(flags, async (st) => await st.commands.enqueue({ vin: flags.vin, body: await bodyFrom(st, flags), ttlMs: flags.ttl, requestedBy: me(flags.by) }))
      print(flags.json === true ? JSON.stringify(c) : commandLine(c))
    })
  storageFlags(commands.command('list').description('commands, newest first'))
    .option('--vin <vin>').option('--state <states>', 'comma-separated states', commaList).option('--campaign <id>').option('--json', 'JSON output')
    .action(async (flags: { vin?: string, state?: string[], campaign?: string, json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const all = await withStorage(flags, async (st) => await st.commands.list({ vin: flags.vin, state: flags.state as CommandState[] | undefined, campaignId: flags.campaign }))
      if (flags.json === true) print(JSON.stringify(all))
      else for (const c of all) print(commandLine(c))
    })
  storageFlags(commands.command('show').description('a command with its timeline')).argument('<id>').option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const { command, timeline } = await withStorage(flags, async (st) => ({ command: await st.commands.get(id), timeline: await st.commands.timeline(id) }))
      if (flags.json === true) { print(JSON.stringify({ command, timeline })); return }
      print(commandLine(command))
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.state}${e.progress === null ? '' : ` ${e.progress}%`}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${e.detail}`}`)
    })
  for (const [verb, describe] of [['approve', 'let a command that waits for approval go out'], ['cancel', 'withdraw a command not yet sent']] as const) {
    storageFlags(commands.command(verb).description(describe)).argument('<id>').option('--by <name>', 'who (default: the OS user)')
      .action(async (id: string, flags: { by?: string, dataDir?: string, databaseUrl?: string }) => {
        const c = await withStorage(flags, async (st) => verb === 'approve' ? await st.commands.approve(id, me(flags.by)) : await st.commands.cancel(id, me(flags.by)))
        print(commandLine(c))
      })
  }

  const campaigns = program.command('campaigns').description('OTA and remote-action campaigns in waves')
  storageFlags(campaigns.command('create').description('create a campaign (draft; start it with campaigns start)'))
    .requiredOption('--id <id>').requiredOption('--name <name>')
    .option('--action <name>', 'a remote action').option('--param <name=value>', 'an action parameter (repeatable)', param)
    .option('--ota <package@version>', 'an OTA update from the package registry')
    .option('--model <models>', 'cohort: these models', commaList).option('--firmware <versions>', 'cohort: these firmware versions (prefix*)', commaList)
    .option('--open-fault <rule>', 'cohort: vehicles with this rule\'s fault open').option('--vin <vins>', 'cohort: these VINs', commaList)
    .option('--waves <shares>', 'cumulative shares of the cohort, e.g. 0.01,0.1,1', (v) => commaList(v).map(Number), [0.01, 0.1, 1])
    .option('--min-success <rate>', 'a wave must reach this success rate before the next', Number, 0.95)
    .option('--pause-at <rate>', 'pause when this share of finished commands failed', Number, 0.2)
    .option('--ttl <duration>', 'each command gives up if not started within this', durationMs, 7 * 86_400_000)
    .option('--by <name>', 'who creates it (default: the OS user)')
    .action(async (flags: { id: string, name: string, action?: string, param?: Record<string, string>, ota?: string, model?: string[], firmware?: string[], openFault?: string, vin?: string[], waves: number[], minSuccess: number, pauseAt: number, ttl: number, by?: string, dataDir?: string, databaseUrl?: string }) => {
      const cohort: Cohort = { ...(flags.model === undefined ? {} : { models: flags.model }), ...(flags.firmware === undefined ? {} : { firmware: flags.firmware }), ...(flags.openFault === undefined ? {} : { openFaultRule: flags.openFault }), ...(flags.vin === undefined ? {} : { vins: flags.vin }) }
      const c = await withStorage(flags, async (st) => await st.campaigns.create({
        id: flags.id, name: flags.name, body: await bodyFrom(st, flags), cohort, waves: flags.waves, minSuccessRate: flags.minSuccess, failureThreshold: flags.pauseAt, commandTtlMs: flags.ttl, createdBy: me(flags.by)
      }))
      print(`${c.id}\t${c.state}`)
    })
  storageFlags(campaigns.command('start').description('resolve the cohort and send the first wave')).argument('<id>').option('--by <name>')
    .action(async (id: string, flags: { by?: string, dataDir?: string, databaseUrl?: string }) => {
      const r = await withStorage(flags, async (st) => await st.campaigns.start(id, me(flags.by)))
      print(`${id}\trunning\t${r.vehicles} vehicles, ${r.queued.length} in the first wave`)
    })
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    storageFlags(campaigns.command(verb).description(`${verb} a campaign`)).argument('<id>').option('--by <name>').option('--reason <text>', 'why (pause, abort)', `${verb === 'abort' ? 'aborted' : `${verb}d`} by an engineer`)
      .action(async (id: string, flags: { by?: string, reason: string, dataDir?: string, databaseUrl?: string }) => {
        const c = await withStorage(flags, async (st) => verb === 'pause'
          ? await st.campaigns.pause(id, me(flags.by), flags.reason)
          : verb === 'resume' ? (await st.campaigns.resume(id, me(flags.by))).campaign : await st.campaigns.abort(id, me(flags.by), flags.reason))
        print(`${c.id}\t${c.state}`)
      })
  }
  storageFlags(campaigns.command('show').description('a campaign\'s progress per wave and its timeline')).argument('<id>').option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const { progress, timeline } = await withStorage(flags, async (st) => ({ progress: await st.campaigns.progress(id), timeline: await st.campaigns.timeline(id) }))
      if (flags.json === true) { print(JSON.stringify({ ...progress, timeline })); return }
      const c = progress.campaign
      print(`${c.id}\t${c.state}${c.stateReason === null ? '' : ` (${c.stateReason})`}\twave ${c.currentWave + 1} of ${c.waves.length}\t${progress.vehicles} vehicles`)
      for (const w of progress.waves) print(`  wave ${w.wave + 1} (to ${Math.round(w.share * 100)} %): ${w.vehicles} vehicles, ${w.succeeded} succeeded, ${w.failed} failed, ${w.finished} finished`)
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.state}\twave ${e.wave + 1}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${JSON.stringify(e.detail)}`}`)
    })
  storageFlags(campaigns.command('list').description('campaigns, newest first')).option('--json', 'JSON output')
    .action(async (flags: { json?: boolean, dataDir?: string, databaseUrl?: string }) => {
      const all = await withStorage(flags, async (st) => await st.campaigns.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const c of all) print(`${c.id}\t${c.state}\twave ${c.currentWave + 1}/${c.waves.length}\t${c.name}`)
    })
}
