/**
 * A rule saved or switched off through the API is in force on the node that
 * answered when the answer arrives, not at the next poll of the rules table:
 * an engineer who saves a rule and then watches a vehicle sees it fire.
 */
import t from 'tap'
import { pitwall } from '../../proto/index.js'
import { oneBackend } from '../helpers/backends.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'

const ECT = 3 // Vehicle.Powertrain.CombustionEngine.ECT in the catalog

t.test('a rule saved through the API fires on the next batch', async (t) => {
  // a poll far away: only the API's own reload can put the rule in force in time
  const tg = await startTestGateway(await oneBackend(), { rulesPollMs: 3_600_000 })
  t.teardown(() => tg.close())
  const { storage } = tg.gateway
  const token = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const put = async (path: string, method: string, body?: object): Promise<number> => (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })).status

  t.equal(await put('/rules/hot-engine', 'PUT', { text: 'id: hot-engine\nseverity: major\nwhen: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: ">", value: 120 }\n' }), 201)
  const vin = 'WPWRUL00000000001'
  const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
  t.teardown(async () => { await client.endAsync() })
  const send = async (seq: number, ect: number): Promise<void> => {
    await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({
      vin, seq, baseTimeUs: Date.now() * 1000, signals: { dtUs: [0], signalId: [ECT], value: [ect] }
    }).finish())
  }
  await send(1, 131)
  const faults = await until('the fault', async () => {
    const open = await storage.faults.list({ vin })
    return open.length > 0 ? open : undefined
  }, { timeoutMs: 10_000 })
  t.match(faults, [{ ruleId: 'hot-engine', state: 'open' }], 'opened by the batch sent right after the answer')

  t.equal(await put('/rules/hot-engine/disable', 'POST'), 200)
  await send(2, 90)
  await send(3, 135)
  await tg.gateway.storage.projector.idle()
  t.equal((await storage.faults.list({ vin })).length, 1, 'switched off: no new fault once it cleared')
})
