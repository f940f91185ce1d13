/**
 * Replays complete vehicle logs through the rules (./log-replay.ts) and
 * keeps each report with its log: at once when an upload completes (kick),
 * and on a periodic pass for logs left complete (a restart between the
 * upload and its replay). An engineer's rerun (POST /api/v1/logs/:id/replay,
 * `pitwall diagnostics replay`) goes through the same queue, with the
 * current rules (its report replaces the stored one) or a draft (answered,
 * not stored). One replay at a time per gateway, so a large log takes one
 * core, not all.
 *
 * A log's file is on the disk of the gateway that received it: a node
 * without the file leaves the log to the node that has it.
 */
import { Counter, type Registry } from 'prom-client'
import type { LogReplayReport, VehicleLogWithReport } from '../actions/logs/model.js'
import type { BatchLimits } from '../decoders/batch-limits.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { RuleDefinition } from '../rules/model.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import { PitwallError } from '../runtime/errors.js'
import type { ManifestStore } from '../storage/manifests.js'
import type { RuleStore } from '../storage/rules.js'
import type { LogToReplay, VehicleLogStore } from '../storage/vehicle-logs.js'
import type { LogFiles } from './log-files.js'
import { replayLog, type ReplayDecoding } from './log-replay.js'
import type { Logger } from './logger.js'
import { StoredManifests, storedCatalog } from './manifests.js'

export interface LogReplayerOptions {
  store: VehicleLogStore
  files: LogFiles
  rules: Pick<RuleStore, 'active'>
  manifests: ManifestStore
  /** the --can-dbc default, for models without a manifest of their own */
  defaultManifest?: CompiledManifest | undefined
  /** the gateway's caps per batch */
  limits?: Readonly<BatchLimits> | undefined
  log: Logger
  registry?: Registry | undefined
  /** how often complete logs left unreplayed are looked for; default 30 s */
  intervalMs?: number
}

/** Logs one pass takes up; the next pass takes the rest. */
const PASS_LOGS = 10

export class LogReplayer {
  private readonly passes: PeriodicPass
  /** replays run one after another */
  private turn: Promise<unknown> = Promise.resolve()
  private readonly outcomes?: Counter<'outcome'>

  constructor (private readonly options: LogReplayerOptions) {
    this.passes = new PeriodicPass(async () => { await this.pass() }, (err) => { options.log.error({ err: err.message }, 'log replay pass failed; retried on the next pass') })
    if (options.registry !== undefined) {
      this.outcomes = new Counter({ name: 'pitwall_log_replays_total', help: 'Vehicle logs replayed through the rules, by outcome (decoded, failed: not decodable, draft: a draft rule\'s rerun)', labelNames: ['outcome'], registers: [options.registry] })
    }
  }

  start (): void {
    this.passes.start(this.options.intervalMs ?? 30_000)
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
    await this.turn.catch(() => {})
  }

  /** A log completed: replay it soon. */
  kick (): void {
    this.passes.kick()
  }

  /**
   * Replays log `id` now (after the replay running, if any): with the
   * current rules its report is stored with the log; with `draft` rules it
   * is only answered. A log not complete, or whose file is not here, is
   * PITWALL_ERR_LOG_UNAVAILABLE.
   */
  async replay (id: number, draft?: readonly RuleDefinition[]): Promise<{ log: VehicleLogWithReport, report: LogReplayReport }> {
    const run = this.turn.then(async () => await this.run(id, draft))
    this.turn = run.catch(() => {})
    return await run
  }

  private async pass (): Promise<void> {
    for (const { id, kind } of await this.options.store.awaitingReplay(PASS_LOGS)) {
      if (!await this.options.files.exists(id, kind)) continue
      try {
        await this.replay(id)
      } catch (err) {
        this.options.log.warn({ log: id, err: (err as Error).message }, 'vehicle log not replayed')
      }
    }
  }

  private async run (id: number, draft: readonly RuleDefinition[] | undefined): Promise<{ log: VehicleLogWithReport, report: LogReplayReport }> {
    const { store, files, log } = this.options
    const target = await store.toReplay(id)
    if (target.completedAt === null) throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', `log ${id} is ${target.state}: its upload has not completed (${target.received} bytes received)`)
    if (!await files.exists(id, target.kind)) throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', `log ${id}'s file is not in this gateway's data directory (${files.dir}); replay it on the gateway that received it`)
    let report: LogReplayReport
    try {
      report = await replayLog({
        path: files.path(id, target.kind),
        kind: target.kind,
        vin: target.vin,
        vehicleId: target.vehicleId,
        model: target.model ?? undefined,
        firmware: target.firmware ?? undefined,
        assumedStartMs: target.fromMs ?? target.createdAt.getTime()
      }, draft ?? await this.options.rules.active(), await this.decoding(target), draft === undefined ? 'current' : 'draft')
    } catch (err) {
      if (draft !== undefined || !(err instanceof PitwallError) || err.code === 'PITWALL_ERR_RULE_FILE') throw err
      // the bytes are not decodable (a ULog damaged in its header): the log says why
      this.outcomes?.inc({ outcome: 'failed' })
      log.warn({ vin: target.vin, log: id, err: err.message }, 'vehicle log is not decodable')
      await store.recordReplay(id, { failed: err.message })
      throw err
    }
    if (draft !== undefined) {
      this.outcomes?.inc({ outcome: 'draft' })
      return { log: await store.get(id), report }
    }
    const stored = await store.recordReplay(id, { report })
    this.outcomes?.inc({ outcome: 'decoded' })
    log.info({ vin: target.vin, log: id, batches: report.batches, samples: report.samples, faults: Object.values(report.byRule).reduce((a, b) => a + b, 0), ms: report.durationMs }, 'vehicle log replayed')
    return { log: stored, report }
  }

  /** The catalog as stored and the manifest of the vehicle's model (the active version), else the default. */
  private async decoding (target: LogToReplay): Promise<ReplayDecoding> {
    const { manifests } = this.options
    const catalog = await storedCatalog(manifests)
    const active = target.model === null ? undefined : (await manifests.list({ model: target.model, active: true }))[0]
    // storage thinning does not matter to rules: they see every decoded sample
    const manifest = active === undefined ? this.options.defaultManifest : await new StoredManifests(manifests, catalog, 1).get(active.id)
    return { catalog, manifest, limits: this.options.limits }
  }
}
