/**
 * OTA campaigns end to end: a gateway, a fleet of simulated T-boxes (each
 * with its own credentials, trusting the gateway's command key) and an
 * engineer who registers a package and runs a campaign the way
 * `pitwall campaigns` and the HTTP API do: through storage only. The
 * gateway's dispatcher sends what is queued and its campaign runner moves
 * the waves along.
 *
 * The cohort is a model on a firmware line; vehicles of the same model on
 * older firmware, and of another model on the same firmware, are outside it.
 */
import t, { type Test } from 'tap'
import type { Campaign } from '../../actions/campaigns/model.js'
import { commandBody } from '../../actions/commands/body.js'
import type { Command } from '../../actions/commands/model.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { pitwall } from '../../proto/index.js'
import { DEFAULT_FAILURE_DETAIL, failsByShare } from '../../sim/command-executor.js'
import { startFleet, type Fleet } from '../../sim/fleet.js'
import type { Tbox } from '../../sim/tbox.js'
import { startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'
import { poolOf } from '../../storage/index.js'
import { oneBackend } from '../helpers/backends.js'

const PACKAGE = { package: 'tbox-firmware', version: '1.5.0', url: 'https://ota.example/tbox-firmware-1.5.0.bin', sha256: 'c0ffee'.padEnd(64, '0'), size: 8_388_608 }
const CURRENT = '1.4.2'
const COHORT_SIZE = 20
const WAVES = [0.1, 0.5, 1]
const FAILURE_SHARE = 0.5
const IN_FLIGHT: ReadonlySet<string> = new Set(['queued', 'sent', 'accepted', 'in_progress'])

// one gateway for the file (an embedded database takes seconds to start); each test has its own vehicles, model and campaign
const tg = await startTestGateway(await oneBackend())
t.teardown(async () => { await tg.close() })
await tg.gateway.storage.otaPackages.add({ ...PACKAGE, addedBy: 'release-bot' })

interface Rollout {
  /** the cohort's model */
  model: string
  cohort: Tbox[]
  outside: Tbox[]
  /** by VIN */
  tboxes: Map<string, Tbox>
}

/**
 * A test's fleet: COHORT_SIZE cohort vehicles (model PW-E4<tag> on CURRENT),
 * four of that model on 1.3.9 and four of another model on CURRENT, all
 * online. `failureShare`: that share of the vehicles (by VIN) fails every update.
 */
async function setUp (t: Test, tag: string, failureShare = 0): Promise<Rollout> {
  const model = `PW-E4${tag}`
  const fleets: Fleet[] = []
  t.teardown(async () => { await Promise.all(fleets.map(async (f) => await f.stop())) })
  const { storage } = tg.gateway
  const group = async (prefix: string, n: number, vehicleModel: string, firmware: string): Promise<Tbox[]> => {
    const credentials = await Promise.all(Array.from({ length: n }, async (_, i) =>
      await provisionDevice(storage.vehicles, { vin: `WPW${tag}${prefix}${String(i).padStart(12, '0')}`, model: vehicleModel, firmware })))
    const fleet = startFleet({
      url: `mqtt://127.0.0.1:${tg.gateway.mqttPort}`,
      credentials,
      rateHz: 2,
      firmware,
      staggerMs: 200,
      trustedKeys: tg.gateway.commandKeys.publicKeys,
      commandExecution: { stepMs: 40, failureShare }
    })
    fleets.push(fleet)
    await fleet.whenConnected(15_000)
    return [...fleet.tboxes]
  }
  const cohort = await group('C', COHORT_SIZE, model, CURRENT)
  const outside = [...await group('R', 4, model, '1.3.9'), ...await group('X', 4, 'PW-K1', CURRENT)]
  return { model, cohort, outside, tboxes: new Map([...cohort, ...outside].map((b) => [b.vin, b])) }
}

/** Creates the campaign an engineer would over a model's 1.4 line and starts it. */
async function startCampaign (id: string, model: string): Promise<Campaign> {
  const { storage } = tg.gateway
  const body = await commandBody(storage.otaPackages, { ota: { package: PACKAGE.package, version: PACKAGE.version } }, { action: '--action', ota: '--ota' })
  await storage.campaigns.create({
    id, name: `tbox firmware ${PACKAGE.version} on ${model}`, body, cohort: { models: [model], firmware: ['1.4*'] }, waves: WAVES, minSuccessRate: 0.95, failureThreshold: 0.2, createdBy: 'eve'
  })
  return (await storage.campaigns.start(id, 'eve')).campaign
}

/** The wave of each cohort vehicle, as the campaign assigned it at start. */
async function wavesOf (campaignId: string): Promise<Map<string, number>> {
  const res = await poolOf(tg.gateway.storage).query<{ vin: string, wave: number }>(
    'SELECT v.vin, cv.wave FROM campaign_vehicles cv JOIN vehicles v ON v.id = cv.vehicle_id WHERE cv.campaign_id = $1', [campaignId])
  return new Map(res.rows.map((r) => [r.vin, r.wave]))
}

/** Every command the gateway holds, by VIN (a vehicle gets at most one per campaign). */
async function commandsByVin (): Promise<Map<string, Command[]>> {
  const byVin = new Map<string, Command[]>()
  for (const c of await tg.gateway.storage.commands.list({ limit: 1000 })) byVin.set(c.vin, [...(byVin.get(c.vin) ?? []), c])
  return byVin
}

/** The firmware each vehicle reported in its newest stored telemetry batch. */
async function reportedFirmware (): Promise<Map<string, string>> {
  const res = await poolOf(tg.gateway.storage).query<{ vin: string, payload: Buffer }>(
    `SELECT DISTINCT ON (b.vehicle_id) v.vin, b.payload FROM batches b JOIN vehicles v ON v.id = b.vehicle_id ORDER BY b.vehicle_id, b.seq DESC`)
  return new Map(res.rows.map((r) => [r.vin, pitwall.v1.TelemetryBatch.decode(r.payload).firmware]))
}

async function settledCampaign (id: string, state: Campaign['state']): Promise<Campaign> {
  return await until(`campaign ${id} ${state} with no command of it in flight`, async () => {
    const c = await tg.gateway.storage.campaigns.get(id)
    if (c.state !== state) return undefined
    const open = await tg.gateway.storage.commands.list({ campaignId: id, state: ['sent', 'accepted', 'in_progress'], limit: 1000 })
    return open.length === 0 ? c : undefined
  })
}

t.test('every vehicle succeeds: the campaign goes wave by wave to the whole cohort and completes; no one else gets a command', async (t) => {
  const { model, cohort, outside } = await setUp(t, 'A')
  const { storage } = tg.gateway
  const id = 'tbox-150-all-good'
  const started = await startCampaign(id, model)
  t.equal(started.state, 'running')
  const waves = await wavesOf(id)
  t.same([...waves.keys()].sort(), cohort.map((b) => b.vin).sort(), 'the cohort is the model on the 1.4 line, nothing else')
  t.same([0, 1, 2].map((w) => [...waves.values()].filter((x) => x === w).length), [2, 8, 10], 'waves of 10 %, 50 % and 100 % of 20')

  const done = await settledCampaign(id, 'completed')
  t.equal(done.stateReason, null)
  const timeline = await storage.campaigns.timeline(id)
  t.same(timeline.map((e) => [e.state, e.wave, e.by]), [
    ['draft', 0, 'eve'], ['running', 0, 'eve'], ['wave_started', 1, 'campaign-runner'], ['wave_started', 2, 'campaign-runner'], ['completed', 2, 'campaign-runner']
  ])

  const commands = await commandsByVin()
  for (const tbox of cohort) {
    const mine = commands.get(tbox.vin) ?? []
    t.equal(mine.length, 1, `${tbox.vin}: one command`)
    t.match(mine[0], { campaignId: id, state: 'succeeded', body: { ota: { version: PACKAGE.version } } })
    t.equal(tbox.counters().commandsExecuted, 1, `${tbox.vin}: the T-box ran it once`)
    t.equal(tbox.firmware, PACKAGE.version, `${tbox.vin}: runs ${PACKAGE.version}`)
  }
  // each wave went out only once every command of the wave before had finished
  const byWave = [0, 1, 2].map((w) => [...waves].filter(([, x]) => x === w).map(([vin]) => (commands.get(vin) as Command[])[0] as Command))
  for (const w of [1, 2]) {
    const previousDone = Math.max(...(byWave[w - 1] as Command[]).map((c) => c.updatedAt.getTime()))
    const firstQueued = Math.min(...(byWave[w] as Command[]).map((c) => c.createdAt.getTime()))
    t.ok(firstQueued >= previousDone, `wave ${w + 1} was queued after wave ${w} finished`)
  }
  const steps = await storage.commands.timeline(((commands.get(cohort[0]?.vin as string) ?? [])[0] as Command).id)
  t.same(steps.map((e) => e.state).filter((s) => s !== 'in_progress'), ['queued', 'sent', 'accepted', 'succeeded'], 'queued → sent → accepted → … → succeeded')

  for (const tbox of outside) {
    t.same(commands.get(tbox.vin), undefined, `${tbox.vin} (outside the cohort): no command stored`)
    t.equal(tbox.counters().commands, 0, `${tbox.vin}: nothing arrived`)
  }
  const firmware = await until('every cohort vehicle to report the new firmware in its telemetry', async () => {
    const reported = await reportedFirmware()
    return cohort.every((b) => reported.get(b.vin) === PACKAGE.version) ? reported : undefined
  })
  t.same(outside.map((b) => firmware.get(b.vin)), outside.map((b) => b.firmware), 'vehicles outside the cohort report their old firmware')
  t.notOk(outside.some((b) => b.firmware === PACKAGE.version))

  // the registry follows what the T-boxes report, so the same cohort rule no longer finds them
  const cohortVins = new Set(cohort.map((b) => b.vin))
  await until('the stored firmware of every cohort vehicle to follow its report', async () => {
    const stored = (await storage.vehicles.list()).filter((v) => cohortVins.has(v.vin))
    return stored.every((v) => v.firmware === PACKAGE.version) ? stored : undefined
  })
  await t.rejects(startCampaign(`${id}-again`, model), { code: 'PITWALL_ERR_CAMPAIGN_INVALID', message: /no vehicle matches its cohort/ },
    'a second campaign for the 1.4 line finds no vehicle left on it')
})

/**
 * Half the fleet fails to flash (chosen by VIN): the campaign pauses itself
 * in the wave where the failures show, and no later wave goes out.
 */
async function pausedRollout (t: Test, tag: string, id: string): Promise<Rollout & { waves: Map<string, number>, paused: Campaign }> {
  const rollout = await setUp(t, tag, FAILURE_SHARE)
  const { model, cohort } = rollout
  const failing = cohort.filter((b) => failsByShare(b.vin, FAILURE_SHARE)).length
  t.ok(failing >= COHORT_SIZE * 0.3, `${failing} of ${COHORT_SIZE} cohort vehicles fail to flash`)
  await startCampaign(id, model)
  const waves = await wavesOf(id)
  const paused = await settledCampaign(id, 'paused')
  t.match(paused.stateReason, /^\d+ of \d+ finished commands failed \(\d+(\.\d)? % > 20 %\)$|^wave \d: \d+ of \d+ succeeded/, `paused: ${paused.stateReason ?? ''}`)
  t.match((await tg.gateway.storage.campaigns.timeline(id)).at(-1), { state: 'paused', by: 'campaign-runner', detail: { reason: paused.stateReason } })
  t.ok(paused.currentWave < WAVES.length - 1, `paused in wave ${paused.currentWave + 1}, before the last`)
  await checkOutcomes(t, rollout, waves, paused.currentWave)
  return { ...rollout, waves, paused }
}

/**
 * Commands went to the cohort's waves up to `lastWave` and no further; each
 * ended as its T-box decided: failed with the reason on the vehicles that
 * fail to flash (which keep their firmware), succeeded on the others.
 */
async function checkOutcomes (t: Test, { outside, tboxes }: Rollout, waves: Map<string, number>, lastWave: number): Promise<void> {
  const commands = await commandsByVin()
  for (const [vin, wave] of waves) {
    const tbox = tboxes.get(vin) as Tbox
    const mine = commands.get(vin) ?? []
    if (wave > lastWave) {
      t.same(mine, [], `${vin} (wave ${wave + 1}): no command`)
      t.equal(tbox.counters().commands, 0, `${vin}: nothing arrived`)
      continue
    }
    const fails = failsByShare(vin, FAILURE_SHARE)
    t.match(mine, [fails ? { state: 'failed', detail: DEFAULT_FAILURE_DETAIL } : { state: 'succeeded' }], `${vin} (wave ${wave + 1}): ${fails ? 'failed' : 'succeeded'}`)
    t.equal(tbox.counters().commandsExecuted, 1, `${vin}: the T-box ran it once`)
    t.equal(tbox.firmware, fails ? CURRENT : PACKAGE.version)
  }
  for (const tbox of outside) t.same(commands.get(tbox.vin), undefined, `${tbox.vin} (outside the cohort): no command`)
}

t.test('a high failure share pauses the campaign before the next wave; an abort ends it and nothing more goes out', async (t) => {
  const rollout = await pausedRollout(t, 'B', 'tbox-150-abort')
  const { waves, paused } = rollout
  const { storage } = tg.gateway
  const aborted = await storage.campaigns.abort(paused.id, 'eve', 'flash verification fails on E4 units')
  t.equal(aborted.state, 'aborted')
  t.equal(aborted.stateReason, 'flash verification fails on E4 units')
  // the runner's and the dispatcher's next passes start nothing
  await tg.gateway.campaigns.runOnce()
  await tg.gateway.commands.tick()
  const after = await storage.campaigns.get(paused.id)
  t.equal(after.state, 'aborted', 'an aborted campaign stays aborted')
  t.equal(after.currentWave, paused.currentWave, 'no wave after the one that failed')
  const open = (await storage.commands.list({ campaignId: paused.id, limit: 1000 })).filter((c) => IN_FLIGHT.has(c.state))
  t.same(open, [], 'nothing of the campaign queued or running')
  await checkOutcomes(t, rollout, waves, paused.currentWave)
})

t.test('an engineer resumes a paused campaign: the next wave goes out, judged on its own results, and its failures pause it again', async (t) => {
  const rollout = await pausedRollout(t, 'D', 'tbox-150-resume')
  const { waves, paused } = rollout
  const { storage } = tg.gateway
  const resumed = await storage.campaigns.resume(paused.id, 'eve')
  t.equal(resumed.campaign.state, 'running')
  const again = await until('the campaign to go on past the wave it paused in, then stop again', async () => {
    const c = await storage.campaigns.get(paused.id)
    if (c.state === 'running' || c.currentWave === paused.currentWave) return undefined
    const open = await storage.commands.list({ campaignId: paused.id, state: ['sent', 'accepted', 'in_progress'], limit: 1000 })
    return open.length === 0 ? c : undefined
  })
  t.equal(again.state, 'paused', 'half of the next wave fails to flash too')
  const judged = /^(\d+) of \d+ finished commands failed/.exec(again.stateReason ?? '')
  t.ok(judged !== null, `paused again on the failure share: ${again.stateReason ?? ''}`)
  const failingSinceResume = [...waves].filter(([vin, w]) => w > paused.currentWave && w <= again.currentWave && failsByShare(vin, FAILURE_SHARE)).length
  t.ok(Number(judged?.[1]) <= failingSinceResume, `counts only failures since the resume (${failingSinceResume} possible), not those the engineer had seen`)
  const timeline = await storage.campaigns.timeline(paused.id)
  const afterPause = timeline.slice(timeline.findIndex((e) => e.state === 'paused') + 1).map((e) => [e.state, e.by])
  t.same(afterPause, [['running', 'eve'], ...Array.from({ length: again.currentWave - paused.currentWave }, () => ['wave_started', 'campaign-runner']), ['paused', 'campaign-runner']])
  await checkOutcomes(t, rollout, waves, again.currentWave)
})
