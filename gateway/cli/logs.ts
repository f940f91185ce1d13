/**
 * `pitwall diagnostics log|logs|replay`: vehicle logs from the command line,
 * on storage directly as the other diagnostics are.
 *
 *   log VIN --from 10m [--to T] [--kind candump|ulog] [--wait 2m]
 *       asks the vehicle for a log of the window (a log-upload command; a
 *       running gateway sends it, the T-box uploads, the gateway replays);
 *       --wait stays until the log is replayed and prints the report
 *   logs VIN            the vehicle's logs, newest first
 *   replay ID [--rules FILE]
 *       replays a log here, through the current rules (the report is kept)
 *       or the rules of FILE (printed only); the log's file must be in this
 *       machine's data directory (--data-dir), where the gateway that
 *       received it keeps it
 */
import { InvalidArgumentError, type Command as CliCommand } from 'commander'
import type { LogReplayReport, VehicleLog } from '../../actions/logs/model.js'
import { requestLogUpload } from '../../actions/logs/request.js'
import { DEFAULT_COMMAND_TTL_MS } from '../../actions/commands/model.js'
import { loadRuleFile } from '../../rules/load.js'
import type { Storage } from '../../storage/index.js'
import { batchLimitsOf, logUploadLimitsOf } from '../config.js'
import { loadDefaultManifest } from '../default-manifest.js'
import { LogFiles } from '../log-files.js'
import { LogReplayer } from '../log-replayer.js'
import { createLogger } from '../logger.js'
import { ruleSignals } from '../manifests.js'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'
import { durationMs, integer, me } from './values.js'

const POLL_MS = 500

/** An ISO 8601 time, or a duration before now ("10m": ten minutes ago). */
export function timeOrAgo (value: string): number {
  const ms = Date.parse(value)
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(ms)) return ms
  try {
    return Date.now() - durationMs(value)
  } catch {
    throw new InvalidArgumentError(`"${value}" is neither an ISO 8601 time (2026-11-23T08:00:00Z) nor a duration before now (10m, 2h)`)
  }
}

function logLine (log: VehicleLog): string {
  const window = log.fromMs === null || log.toMs === null ? 'uploaded' : `${new Date(log.fromMs).toISOString()}..${new Date(log.toMs).toISOString()}`
  return [log.id, log.vin, log.kind, log.state, `${log.size ?? log.received} B`, window, log.uploadedBy, log.detail ?? ''].join('\t').trimEnd()
}

function printReport (report: LogReplayReport): void {
  print(`  ${report.rules} rules (${report.ruleIds.length}), decoded with ${report.decodedWith}; clock ${report.clock}`)
  print(`  ${report.batches} batches, ${report.frames} frames, ${report.samples} samples; ${report.unknownFrames} frames no DBC describes, ${report.nonDataFrames} remote/error, ${report.badLines} bad lines`)
  if (report.topics.skipped.length > 0) print(`  ULog topics without a catalog signal: ${report.topics.skipped.join(', ')}`)
  for (const e of report.firstErrors) print(`  ${e}`)
  if (report.error !== null) print(`  stopped early: ${report.error}`)
  for (const e of report.events) print(`  ${new Date(e.timeMs).toISOString()}\t${e.ruleId}\t${e.type}\t${e.severity}\t${e.evidence.length} evidence samples`)
  if (report.eventsTruncated) print('  (more events; counted per rule below)')
  print(`  faults per rule: ${Object.entries(report.byRule).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`)
}

async function waitForReplay (st: Storage, id: number, waitMs: number): Promise<{ log: VehicleLog, report: LogReplayReport | null }> {
  const until = Date.now() + waitMs
  for (;;) {
    const { report, ...log } = await st.vehicleLogs.get(id)
    if (log.state === 'decoded' || log.state === 'failed' || Date.now() >= until) return { log, report }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

export function registerLogCommands (group: CliCommand): void {
  storageFlags(group.command('log').description('ask a vehicle for a log of a time window; it uploads it and the gateway replays it through the rules'))
    .argument('<vin>')
    .requiredOption('--from <time>', 'window start: ISO 8601, or a duration before now (10m)', timeOrAgo)
    .option('--to <time>', 'window end (default now)', timeOrAgo)
    .option('--kind <kind>', 'candump or ulog', 'candump')
    .option('--ttl <duration>', 'give up if the vehicle does not take it within this', durationMs, DEFAULT_COMMAND_TTL_MS)
    .option('--wait <duration>', 'wait this long for the replay and print its report', durationMs)
    .option('--by <name>', 'who asks (default: the OS user)').option('--json', 'JSON output')
    .action(async (vin: string, flags: StorageFlags & { from: number, to?: number, kind: string, ttl: number, wait?: number, by?: string, json?: boolean }) => {
      const limits = logUploadLimitsOf(configFrom({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, logLevel: 'silent' }))
      const out = await withStorage(flags, async (st) => {
        const asked = await requestLogUpload({ logs: st.vehicleLogs, commands: st.commands },
          { vin: vin.toUpperCase(), fromMs: flags.from, toMs: flags.to ?? Date.now(), kind: flags.kind, ttlMs: flags.ttl, requestedBy: me(flags.by) }, limits, { from: '--from', to: '--to', kind: '--kind' })
        return { command: asked.command, ...(flags.wait === undefined ? { log: asked.log, report: null } : await waitForReplay(st, asked.log.id, flags.wait)) }
      })
      if (flags.json === true) { print(JSON.stringify(out)); return }
      print(`${out.command.id}\t${out.command.vin}\tlog upload\t${out.command.state}`)
      print(logLine(out.log))
      if (out.report !== null) printReport(out.report)
    })

  storageFlags(group.command('logs').description('a vehicle\'s logs, newest first')).argument('<vin>')
    .option('--limit <n>', 'at most this many', integer, 50).option('--json', 'JSON output')
    .action(async (vin: string, flags: StorageFlags & { limit: number, json?: boolean }) => {
      const logs = await withStorage(flags, async (st) => await st.vehicleLogs.list(vin.toUpperCase(), flags.limit))
      if (flags.json === true) { print(JSON.stringify(logs)); return }
      for (const log of logs) print(logLine(log))
    })

  storageFlags(group.command('replay').description('replay a log through the current rules (the report is kept) or the rules of a file (printed only)')).argument('<id>', 'the log id', integer)
    .option('--rules <file>', 'draft rules (a rule file) to try instead of the stored ones').option('--json', 'JSON output')
    .action(async (id: number, flags: StorageFlags & { rules?: string, json?: boolean }) => {
      const config = configFrom({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, logLevel: 'silent' })
      const files = await LogFiles.open(config.dataDir)
      try {
        const { log, report } = await withStorage(flags, async (st) => {
          const draft = flags.rules === undefined ? undefined : loadRuleFile(flags.rules, await ruleSignals(st.manifests))
          const replayer = new LogReplayer({
            store: st.vehicleLogs, files, rules: st.rules, manifests: st.manifests, log: createLogger('silent'),
            defaultManifest: loadDefaultManifest(config.canDbc, config.sampleIntervalMs / 1000), limits: batchLimitsOf(config)
          })
          return await replayer.replay(id, draft)
        })
        if (flags.json === true) { print(JSON.stringify({ log, report })); return }
        print(logLine(log))
        printReport(report)
      } finally {
        await files.close()
      }
    })
}
