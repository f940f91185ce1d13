/**
 * `pitwall campaigns create|start|pause|resume|abort|show|list`: OTA and
 * remote-action campaigns in waves, on storage directly; a running gateway
 * picks up a change on its next pass (about a second).
 */
import type { Command } from 'commander'
import { DEFAULT_CAMPAIGN_COMMAND_TTL_MS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_MIN_SUCCESS_RATE, DEFAULT_WAVES, type Cohort } from '../../actions/campaigns/model.js'
import { checkCampaignSpec } from '../../actions/campaigns/policy.js'
import { bodyFrom } from './commands.js'
import { print } from './output.js'
import { storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { commaList, durationMs, me, param } from './values.js'

export function registerCampaignCommands (program: Command): void {
  const campaigns = program.command('campaigns').description('OTA and remote-action campaigns in waves')
  storageFlags(campaigns.command('create').description('create a campaign (draft; start it with campaigns start)'))
    .requiredOption('--id <id>').requiredOption('--name <name>')
    .option('--action <name>', 'a remote action').option('--param <name=value>', 'an action parameter (repeatable)', param)
    .option('--ota <package@version>', 'an OTA update from the package registry')
    .option('--model <models>', 'cohort: these models', commaList).option('--firmware <versions>', 'cohort: these firmware versions (prefix*)', commaList)
    .option('--open-fault <rule>', 'cohort: vehicles with this rule\'s fault open').option('--vin <vins>', 'cohort: these VINs', commaList)
    .option('--waves <shares>', 'cumulative shares of the cohort, e.g. 0.01,0.1,1', (v) => commaList(v).map(Number), [...DEFAULT_WAVES])
    .option('--min-success <rate>', 'a wave must reach this success rate before the next', Number, DEFAULT_MIN_SUCCESS_RATE)
    .option('--pause-at <rate>', 'pause when this share of finished commands failed', Number, DEFAULT_FAILURE_THRESHOLD)
    .option('--ttl <duration>', 'each command gives up if not started within this', durationMs, DEFAULT_CAMPAIGN_COMMAND_TTL_MS)
    .option('--by <name>', 'who creates it (default: the OS user)')
    .action(async (flags: StorageFlags & { id: string, name: string, action?: string, param?: Record<string, string>, ota?: string, model?: string[], firmware?: string[], openFault?: string, vin?: string[], waves: number[], minSuccess: number, pauseAt: number, ttl: number, by?: string }) => {
      const cohort: Cohort = { ...(flags.model === undefined ? {} : { models: flags.model }), ...(flags.firmware === undefined ? {} : { firmware: flags.firmware }), ...(flags.openFault === undefined ? {} : { openFaultRule: flags.openFault }), ...(flags.vin === undefined ? {} : { vins: flags.vin }) }
      const c = await withStorage(flags, async (st) => {
        const spec = { id: flags.id, name: flags.name, body: await bodyFrom(st, flags), cohort, waves: flags.waves, minSuccessRate: flags.minSuccess, failureThreshold: flags.pauseAt, commandTtlMs: flags.ttl, createdBy: me(flags.by) }
        checkCampaignSpec(spec)
        return await st.campaigns.create(spec)
      })
      print(`${c.id}\t${c.state}`)
    })
  storageFlags(campaigns.command('start').description('resolve the cohort and send the first wave')).argument('<id>').option('--by <name>')
    .action(async (id: string, flags: StorageFlags & { by?: string }) => {
      const r = await withStorage(flags, async (st) => await st.campaigns.start(id, me(flags.by)))
      print(`${id}\trunning\t${r.vehicles} vehicles, ${r.queued.length} in the first wave`)
    })
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    storageFlags(campaigns.command(verb).description(`${verb} a campaign`)).argument('<id>').option('--by <name>').option('--reason <text>', 'why (pause, abort)', `${verb === 'abort' ? 'aborted' : `${verb}d`} by an engineer`)
      .action(async (id: string, flags: StorageFlags & { by?: string, reason: string }) => {
        const c = await withStorage(flags, async (st) => verb === 'pause'
          ? await st.campaigns.pause(id, me(flags.by), flags.reason)
          : verb === 'resume' ? (await st.campaigns.resume(id, me(flags.by))).campaign : await st.campaigns.abort(id, me(flags.by), flags.reason))
        print(`${c.id}\t${c.state}`)
      })
  }
  storageFlags(campaigns.command('show').description('a campaign\'s progress per wave and its timeline')).argument('<id>').option('--json', 'JSON output')
    .action(async (id: string, flags: StorageFlags & { json?: boolean }) => {
      const { progress, timeline } = await withStorage(flags, async (st) => ({ progress: await st.campaigns.progress(id), timeline: await st.campaigns.timeline(id) }))
      if (flags.json === true) { print(JSON.stringify({ ...progress, timeline })); return }
      const c = progress.campaign
      print(`${c.id}\t${c.state}${c.stateReason === null ? '' : ` (${c.stateReason})`}\twave ${c.currentWave + 1} of ${c.waves.length}\t${progress.vehicles} vehicles`)
      for (const w of progress.waves) print(`  wave ${w.wave + 1} (to ${Math.round(w.share * 100)} %): ${w.vehicles} vehicles, ${w.succeeded} succeeded, ${w.failed} failed, ${w.finished} finished`)
      for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.state}\twave ${e.wave + 1}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${JSON.stringify(e.detail)}`}`)
    })
  storageFlags(campaigns.command('list').description('campaigns, newest first')).option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const all = await withStorage(flags, async (st) => await st.campaigns.list())
      if (flags.json === true) print(JSON.stringify(all))
      else for (const c of all) print(`${c.id}\t${c.state}\twave ${c.currentWave + 1}/${c.waves.length}\t${c.name}`)
    })
}
