/**
 * A fetch campaign: a diagnostic request (read DTCs from the engine ECU)
 * sent to a cohort of 20 simulated vehicles in waves, as OTA campaigns go.
 * It completes with one answer per vehicle, each decoded, and the vehicles
 * with an engine fault report its DTC while the others report none.
 */
import t from 'tap'
import { commandBody } from '../../actions/commands/body.js'
import { diagnosisOf } from '../../actions/commands/diagnosis.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { startFleet } from '../../sim/fleet.js'
import { startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'
import { oneBackend } from '../helpers/backends.js'

const COHORT = 20

t.test('a fetch campaign over 20 vehicles completes with a decoded answer from each', async (t) => {
  const tg = await startTestGateway(await oneBackend())
  t.teardown(async () => { await tg.close() })
  const { storage } = tg.gateway
  const credentials = await Promise.all(Array.from({ length: COHORT }, async (_, i) =>
    await provisionDevice(storage.vehicles, { vin: `WPWFETCH${String(i).padStart(9, '0')}`, model: 'PW-FETCH', firmware: '1.4.2' })))
  const fleet = startFleet({
    url: `mqtt://127.0.0.1:${tg.gateway.mqttPort}`,
    credentials,
    rateHz: 2,
    staggerMs: 100,
    // about half the fleet has an engine fault from the start
    inject: { mil: 0.5 },
    trustedKeys: tg.gateway.commandKeys.publicKeys,
    commandExecution: { stepMs: 20 }
  })
  t.teardown(async () => { await fleet.stop() })
  await fleet.whenConnected(15_000)
  // let the faults confirm their DTCs before asking
  for (const tbox of fleet.tboxes) for (let s = 0; s < 600; s++) tbox.model.step(1)
  // what each has before the request goes out (a fault may still set its DTC while the campaign runs)
  const before = new Map(fleet.tboxes.map((b) => [b.vin, b.model.state.dtcs.map((d) => d.code)]))

  const body = await commandBody(storage.otaPackages, { diagnostic: { request: { kind: 'uds_read_dtcs' }, target: 0x7e0 } },
    { action: 'body.action', ota: 'body.ota', diagnostic: 'body.diagnostic' })
  await storage.campaigns.create({ id: 'fetch-dtcs', name: 'read engine DTCs', body, cohort: { models: ['PW-FETCH'] }, waves: [0.25, 1], minSuccessRate: 0.9, failureThreshold: 0.2, createdBy: 'eve' })
  await storage.campaigns.start('fetch-dtcs', 'eve')
  await until('the fetch campaign to complete', async () => (await storage.campaigns.get('fetch-dtcs')).state === 'completed' ? true : undefined)

  const commands = await storage.commands.list({ campaignId: 'fetch-dtcs', limit: 100 })
  t.equal(commands.length, COHORT, 'one request per vehicle')
  let withDtc = 0
  for (const c of commands) {
    t.equal(c.state, 'succeeded', c.vin)
    const diagnosis = diagnosisOf(c, await storage.commands.responses(c.id))
    const engine = diagnosis?.answers.find((a) => a.ecu === 0x7e8)
    t.equal(engine?.decoded.ok, true, `${c.vin}: the engine answered`)
    const now = fleet.tboxes.find((b) => b.vin === c.vin)?.model.state.dtcs.map((d) => d.code) ?? []
    const answered = engine?.decoded.dtcs?.map((d) => d.code) ?? []
    const had = before.get(c.vin) ?? []
    t.ok(had.every((code) => answered.includes(code)) && answered.every((code) => now.includes(code)), `${c.vin}: the DTCs it has (${answered.join(', ') || 'none'})`)
    if (answered.length > 0) withDtc++
  }
  t.ok(withDtc > 0 && withDtc < COHORT, `some vehicles report a DTC (${withDtc}), others none`)
})
