/**
 * The throughput bench's pinned mode (issue 19 item 5). On two shared cores
 * the load generator takes what the target leaves, so a broker that needs
 * less CPU also gets more of it, and a throughput ratio says as much about
 * the generator as about the broker. Here the load workers and the bench's
 * own process run on one core and the target on the other: Pitwall with a
 * private PostgreSQL cluster (the shared server on 5432 is a system service
 * the bench must not re-pin), raw aedes, and a private Mosquitto (likewise
 * for the system one on 1883). Every server the mode starts is stopped by
 * its PID, and the bench's own CPU mask is restored.
 */
import { loadavg } from 'node:os'
import type { VehicleCredential } from '../../sim/credentials.js'
import { LoadGenerator } from './load-generator.js'
import { affinity, pin, type CorePair } from './pinning.js'
import { sharedSettings, startPrivateMosquitto, startPrivatePostgres, type PrivateMosquitto, type PrivatePostgres } from './private-servers.js'
import { BenchDatabase, preparePitwallDatabase, startPitwall, startRawAedes, type PitwallProcess, type RawAedesProcess } from './targets.js'
import { settlerFor } from './settle.js'
import type { PinnedResult, TargetResult } from './throughput-model.js'
import { countLost, findMax, generatorCeiling, halfLoadStep, loadsFrom, sleep, type Plan, type Target } from './throughput-steps.js'

export interface PinnedInput {
  plan: Plan
  cores: CorePair
  /** the fleet's VINs, provisioned anew on the private cluster */
  vins: string[]
  /** the shared server, whose settings the private cluster copies */
  sharedAdminUrl: string
  log: (s: string) => void
}

/**
 * Search and half load on one target: its maximum, then QoS 1 at
 * `halfLoad` (Pitwall's; for Pitwall, half of its own maximum); `connected`
 * runs before the fleet disconnects.
 */
async function measure (gen: LoadGenerator, target: Target, fleet: VehicleCredential[], input: PinnedInput, ceiling: number,
  halfLoad: number | undefined, connected?: () => Promise<void>): Promise<Omit<TargetResult, 'name' | 'label'>> {
  const { plan, log } = input
  await gen.connect(target.url, fleet, target.anonymous)
  try {
    const max = await findMax(gen, target, plan, ceiling, log)
    const half = await halfLoadStep(gen, target, plan, halfLoad ?? loadsFrom(max.maxQos1PerS).halfLoad, ceiling)
    log(`${target.name} (pinned): max ${Math.round(max.maxQos1PerS)}/s, half load ${half.offeredPerS}/s p99 ${half.latencyMs?.p99 ?? '-'} ms`)
    await connected?.()
    return { ...max, halfLoad: half }
  } finally {
    await gen.disconnect()
  }
}

export async function runPinned (input: PinnedInput): Promise<PinnedResult> {
  const { plan, cores, log } = input
  const started = performance.now()
  const notes = [
    `load generator (${plan.workers} processes) and the bench's own process on CPU ${cores.generator}; the target, and for Pitwall its private PostgreSQL cluster, on CPU ${cores.target}; CPU figures are % of one core`,
    `load average when the mode started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min): other work on the machine still shares both cores`
  ]
  const ownMask = affinity(process.pid)
  let postgres: PrivatePostgres | undefined
  let database: BenchDatabase | undefined
  let pitwall: PitwallProcess | undefined
  let raw: RawAedesProcess | undefined
  let mosquitto: PrivateMosquitto | undefined
  let gen: LoadGenerator | undefined
  try {
    postgres = await startPrivatePostgres(cores.target, await sharedSettings(input.sharedAdminUrl))
    database = await BenchDatabase.create(postgres.adminUrl)
    const prepared = await preparePitwallDatabase(database.url, input.vins)
    pitwall = await startPitwall(database.url, { cpu: cores.target })
    raw = await startRawAedes()
    pin(raw.pid, cores.target)
    try {
      mosquitto = await startPrivateMosquitto(cores.target)
    } catch (err) {
      notes.push(`Mosquitto skipped: ${(err as Error).message}`)
    }
    gen = await LoadGenerator.start(plan.workers)
    for (const pid of gen.pids) pin(pid, cores.generator)
    // last: the processes above were forked from this one and would have inherited its mask
    pin(process.pid, cores.generator)
    log(`pinned: generator and bench on CPU ${cores.generator}, targets on CPU ${cores.target} (private PostgreSQL pid ${postgres.pid})`)

    const rawUrl = `mqtt://127.0.0.1:${raw.port}`
    const generator = await generatorCeiling(gen, rawUrl, prepared.credentials, plan)
    log(`pinned generator ceiling: QoS 0 ${Math.round(generator.qos0PerS)}/s, QoS 1 ${Math.round(generator.qos1PerS)}/s`)
    const ceiling = generator.qos1PerS

    const targets: TargetResult[] = []
    const pitwallTarget: Target = {
      name: 'pitwall', url: `mqtt://127.0.0.1:${pitwall.mqttPort}`, pids: [pitwall.pid], anonymous: false, pitwall, databaseCpu: postgres.cpu, settle: settlerFor(pitwall, database.url)
    }
    let loss: PinnedResult['loss'] = { checked: 0, lost: 0, storedBatches: 0 }
    const pitwallResult = await measure(gen, pitwallTarget, prepared.credentials, input, ceiling, undefined, async () => {
      await sleep(500)
      loss = await countLost((database as BenchDatabase).url, await (gen as LoadGenerator).ackedSeqs())
      log(`pitwall (pinned): ${loss.checked} acknowledged batches looked up, ${loss.lost} missing`)
    })
    if (loss.lost > 0) notes.push(`FAILED: ${loss.lost} batches acknowledged by Pitwall are not in the database`)
    targets.push({ name: 'pitwall', label: 'Pitwall full pipeline (private PostgreSQL)', ...pitwallResult })
    const halfLoad = pitwallResult.halfLoad?.offeredPerS ?? loadsFrom(0).halfLoad
    await pitwall.stop()
    pitwall = undefined

    const rawTarget: Target = { name: 'raw-aedes', url: rawUrl, pids: [raw.pid], anonymous: false }
    targets.push({ name: 'raw-aedes', label: 'raw aedes (no pipeline)', ...await measure(gen, rawTarget, prepared.credentials, input, ceiling, halfLoad) })
    await raw.stop()
    raw = undefined
    if (mosquitto !== undefined) {
      const target: Target = { name: 'mosquitto', url: mosquitto.url, pids: mosquitto.pid === undefined ? [] : [mosquitto.pid], anonymous: true }
      targets.push({ name: 'mosquitto', label: 'Mosquitto (private, anonymous)', ...await measure(gen, target, prepared.credentials, input, ceiling, halfLoad) })
    }
    return { cores, postgresSettings: postgres.settings, generator, halfLoadPerS: halfLoad, targets, loss, notes, elapsedS: Math.round((performance.now() - started) / 1000) }
  } finally {
    pin(process.pid, ownMask)
    await gen?.close().catch(() => {})
    await pitwall?.stop().catch(() => {})
    await raw?.stop().catch(() => {})
    await mosquitto?.stop().catch(() => {})
    await database?.drop().catch((err: unknown) => log(`could not drop ${database?.name ?? ''}: ${(err as Error).message}`))
    await postgres?.stop().catch((err: unknown) => log(`private PostgreSQL did not stop: ${(err as Error).message}`))
  }
}
