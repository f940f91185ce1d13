/**
 * Remote diagnosis end to end, on one backend: an engineer asks a
 * simulated T-box's ECUs over the HTTP API; the request goes out as a
 * signed command, the T-box asks its simulated ECUs and returns their raw
 * answers, and the gateway shows them decoded. A vehicle with an engine
 * fault reports its DTC with status and freeze frame; clearing DTCs waits
 * for an engineer's approval and the ECU refuses it while driving, in
 * words; an ECU that does not exist times out; malformed requests are
 * refused before anything is queued; answers sent as raw ISO-TP frames are
 * reassembled.
 */
import t from 'tap'
import { diagnosisOf } from '../../actions/commands/diagnosis.js'
import type { CommandState } from '../../actions/commands/model.js'
import { loadManifestFile } from '../../decoders/manifest/load.js'
import { addManifest } from '../../gateway/manifests.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { Tbox } from '../../sim/tbox.js'
import { oneBackend } from '../helpers/backends.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { pitwall } from '../../proto/index.js'
import { poolOf } from '../../storage/index.js'
import { until } from '../helpers/until.js'

const DEMO_MANIFEST = new URL('../../sim/demo-vehicle.manifest.yaml', import.meta.url).pathname
const FINAL: readonly CommandState[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled']

interface Answer { ecu: number, elapsedMs: number, data: string, decoded: Record<string, any> } // eslint-disable-line @typescript-eslint/no-explicit-any -- a test reads decoded JSON by path
interface Diagnosed { command: { id: string, state: CommandState, detail: string | null }, diagnosis: { request: { description: string, clearsDtcs: boolean }, answers: Answer[] } }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const tg = await startTestGateway(backend, {})
    t.teardown(() => tg.close())
    const { gateway } = tg
    const storage = gateway.storage
    const token = (await storage.apiTokens.create({ name: 'engineer', role: 'engineer' })).token
    const second = (await storage.apiTokens.create({ name: 'second engineer', role: 'engineer' })).token
    const api = async (method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number, json: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read by path
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      return { status: res.status, json: await res.json() }
    }
    const tboxes: Tbox[] = []
    t.teardown(async () => { await Promise.all(tboxes.map(async (b) => { await b.stop(0) })) })
    const provision = async (vin: string): Promise<string> => (await provisionDevice(storage.vehicles, { vin, model: 'PW-DIAG', firmware: '1.4.2' })).secret
    const start = async (vin: string, options: { faults?: Array<'mil'>, isoTpFrames?: boolean, secret?: string } = {}): Promise<Tbox> => {
      const secret = options.secret ?? await provision(vin)
      const tbox = new Tbox({
        url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
        vin,
        secret,
        seed: 5,
        rateHz: 1,
        faults: options.faults ?? [],
        commands: { trustedKeys: gateway.commandKeys.publicKeys, stepMs: 10, isoTpFrames: options.isoTpFrames }
      })
      // twenty minutes of driving: a fault has had time to set its DTC and freeze frame
      for (let s = 0; s < 1200; s++) tbox.model.step(1)
      tbox.start()
      tboxes.push(tbox)
      return tbox
    }
    const ask = async (vin: string, diagnostic: object): Promise<Diagnosed> => {
      const sent = await api('POST', '/api/v1/commands', { vin, diagnostic })
      t.equal(sent.status, 201, JSON.stringify(sent.json))
      return await answered(sent.json.id)
    }
    const answered = async (id: string): Promise<Diagnosed> => await until(`command ${id} to end`, async () => {
      const got = await api('GET', `/api/v1/commands/${id}`)
      return FINAL.includes(got.json.command.state) ? got.json as Diagnosed : undefined
    })

    const sick = await start('WPWDGN00000000001', { faults: ['mil'] })

    t.test('a DTC read returns the fault\'s DTC with its status, and its freeze frame', async (t) => {
      const read = await ask(sick.vin, { request: { kind: 'uds_read_dtcs' }, target: 0x7e0 })
      t.equal(read.command.state, 'succeeded')
      t.match(read.diagnosis.request.description, /ReadDTCInformation/)
      const [engine] = read.diagnosis.answers
      t.equal(engine?.ecu, 0x7e8, 'the engine ECU answered')
      const expected = sick.model.state.dtcs[0]
      t.ok(expected !== undefined, 'the simulated engine has a DTC set')
      t.match(engine?.decoded, { ok: true, dtcs: [{ code: expected?.code, status: expected?.status }] })
      t.ok((engine?.decoded.dtcs[0].statusFlags as string[]).includes('confirmedDTC'))

      const frame = await ask(sick.vin, { request: { kind: 'uds_dtc_snapshot', dtc: expected?.code }, target: 0x7e0 })
      t.equal(frame.command.state, 'succeeded')
      const snapshot = frame.diagnosis.answers[0]?.decoded.snapshot
      t.equal(snapshot?.dtc.code, expected?.code)
      t.ok(snapshot?.records.length > 0 && snapshot.records[0].dids.length > 0, 'the freeze frame holds data identifiers')
      // the API's response schema drops what it does not name: the answer must arrive whole
      const stored = await storage.commands.get(frame.command.id)
      t.same(frame.diagnosis, JSON.parse(JSON.stringify(diagnosisOf(stored, await storage.commands.responses(stored.id)))), 'every decoded field reaches the client')
    })

    t.test('an OBD-II functional request is answered by every emissions ECU, PIDs decoded', async (t) => {
      const pids = await ask(sick.vin, { request: { kind: 'obd_read_pids', pids: [0x05, 0x0c] } })
      t.equal(pids.command.state, 'succeeded')
      const engine = pids.diagnosis.answers.find((a) => a.ecu === 0x7e8)
      t.match(engine?.decoded.pids, [{ pid: 0x05 }, { pid: 0x0c }])
      t.ok(Math.abs((engine?.decoded.pids[0].values[0].value as number) - sick.model.state.coolantC) <= 1, 'coolant as the vehicle has it')
    })

    t.test('clearing DTCs waits for approval, then the ECU refuses it while driving, in words', async (t) => {
      const sent = await api('POST', '/api/v1/commands', { vin: sick.vin, diagnostic: { request: { kind: 'uds_clear_dtcs' }, target: 0x7e0 } })
      t.equal(sent.status, 201)
      t.equal(sent.json.state, 'pending_approval', 'nothing goes out before an engineer approves')
      t.equal((await api('POST', `/api/v1/commands/${sent.json.id as string}/approve`, undefined, second)).status, 200)
      const cleared = await answered(sent.json.id)
      const engine = cleared.diagnosis.answers[0]
      t.equal(engine?.decoded.ok, false)
      t.match(engine?.decoded.negative, { nrc: 0x22, name: 'conditionsNotCorrect' })
      t.match(engine?.decoded.summary, /conditions not correct/i)
      t.ok(sick.model.state.dtcs.length > 0, 'the DTC is still set')
      const reset = await api('POST', '/api/v1/commands', { vin: sick.vin, diagnostic: { request: { kind: 'raw', hex: '11 01' }, target: 0x7e0 } })
      t.equal(reset.json.state, 'pending_approval', 'a raw request that resets an ECU waits for approval too')
      const fleetClear = await api('POST', '/api/v1/campaigns', { id: 'clear-all', name: 'clear all', cohort: { models: ['PW-DIAG'] }, waves: [1], diagnostic: { request: { kind: 'uds_clear_dtcs' } } })
      t.equal(fleetClear.status, 400, 'never to a cohort')
    })

    t.test('a maker DID asked by the name the model\'s manifest gives it comes back named and scaled; an unknown name is refused naming the known ones', async (t) => {
      const demo = loadManifestFile(DEMO_MANIFEST)
      await addManifest(storage.manifests, { ...demo, spec: { ...demo.spec, model: 'PW-DIAG' } }, 'test', true)
      const read = await ask(sick.vin, { request: { kind: 'uds_read_did', dids: ['Cell Voltages', 'F190'] }, target: 0x7e4 })
      t.equal(read.command.state, 'succeeded')
      const [cells, vin] = read.diagnosis.answers[0]?.decoded.dids ?? []
      t.equal(cells.did, 0x4001)
      t.equal(cells.name, 'cell voltages')
      const s = sick.model.state
      t.match(cells.values, [{ name: 'highest cell voltage', unit: 'V' }, { name: 'lowest cell voltage', unit: 'V' }, { name: 'lowest cell', value: s.cellVoltageMinIndex }])
      // the vehicle drives on between the answer and this line: volts, near what the BECM has now, not millivolts
      t.ok(Math.abs(cells.values[0].value - s.cellVoltageMaxV) < 0.1 && Math.abs(cells.values[1].value - s.cellVoltageMinV) < 0.1, 'in volts, as the BECM has them')
      t.equal(vin.text, sick.vin, 'a standard DID beside it is split off and read too')
      t.match(read.diagnosis.answers[0]?.decoded.summary, /^cell voltages highest cell voltage \d\.\d+ V, lowest cell voltage \d\.\d+ V, lowest cell \d+, VIN WPW/)
      const unknown = await api('POST', '/api/v1/commands', { vin: sick.vin, diagnostic: { request: { kind: 'uds_read_did', dids: ['cell temperatures'] } } })
      t.equal(unknown.status, 400)
      t.match(unknown.json.message, /dids\[0\]: "cell temperatures" is neither .* the model names "cell voltages"/)
    })

    t.test('a request to an ECU that does not exist ends failed with a timeout, not a hang', async (t) => {
      const none = await ask(sick.vin, { request: { kind: 'uds_read_dtcs' }, target: 0x7e5, timeoutMs: 500 })
      t.equal(none.command.state, 'failed')
      t.match(none.command.detail, /no answer from 0x7E5 within 500 ms/)
      t.same(none.diagnosis.answers, [])
    })

    t.test('malformed requests are refused naming what is wrong, and nothing is queued', async (t) => {
      const before = (await api('GET', `/api/v1/commands?vin=${sick.vin}`)).json.commands.length
      const refusals: Array<[object, RegExp]> = [
        [{ request: { kind: 'raw', hex: '59 02 FF' } }, /body\.diagnostic\.request: .*response/i],
        [{ request: { kind: 'raw', hex: '19 02' } }, /body\.diagnostic\.request: /],
        [{ request: { kind: 'uds_read_did', dids: [] } }, /dids/],
        [{ request: { kind: 'uds_dtc_snapshot', dtc: 'X9999' } }, /body\.diagnostic\.request: /],
        [{ request: { kind: 'uds_read_dtcs' }, target: 0x800 }, /target/],
        [{ request: { kind: 'uds_read_dtcs' }, timeoutMs: 10 }, /timeoutMs/]
      ]
      for (const [diagnostic, message] of refusals) {
        const res = await api('POST', '/api/v1/commands', { vin: sick.vin, diagnostic })
        t.equal(res.status, 400, JSON.stringify(diagnostic))
        t.match(res.json.message, message)
      }
      t.equal((await api('GET', `/api/v1/commands?vin=${sick.vin}`)).json.commands.length, before)
      const both = await api('POST', '/api/v1/commands', { vin: sick.vin, diagnostic: { request: { kind: 'uds_read_dtcs' } }, action: { name: 'x' } })
      t.equal(both.status, 400)
    })

    t.test('an ack carrying more answers than the cap is acknowledged and kept as a dead letter; honest vehicles carry on', async (t) => {
      const vin = 'WPWDGN00000000003'
      const { secret } = await provisionDevice(storage.vehicles, { vin, model: 'PW-DIAG', firmware: '1.4.2' })
      const hostile = await connectVehicle(gateway.mqttPort, vin, secret)
      t.teardown(() => hostile.endAsync())
      const flood = pitwall.v1.CommandAck.encode({
        id: 'made-up', state: pitwall.v1.CommandAck.State.SUCCEEDED, progress: 100,
        responses: Array.from({ length: 33 }, () => ({ ecu: 0x7e8, data: new Uint8Array(4000) }))
      }).finish()
      await publishQos1(hostile, `v1/${vin}/cmd/ack`, flood)
      const letters = await poolOf(storage).query<{ reason_code: string, reason: string }>('SELECT reason_code, reason FROM dead_letters WHERE vin = $1', [vin])
      t.match(letters.rows, [{ reason_code: 'PITWALL_ERR_COMMAND_ACK', reason: /33 diagnostic responses, at most 32/ }], 'PUBACKed, kept with the reason')
      const read = await ask(sick.vin, { request: { kind: 'obd_read_pids', pids: [0x0d] }, target: 0x7e0 })
      t.equal(read.command.state, 'succeeded', 'another vehicle\'s request still answered')
    })

    t.test('a request to an offline vehicle waits queued and is answered when it connects; one whose ttl passes first ends expired', async (t) => {
      const vin = 'WPWDGN00000000004'
      const secret = await provision(vin)
      const late = await api('POST', '/api/v1/commands', { vin, ttl: '1s', diagnostic: { request: { kind: 'uds_read_dtcs' }, target: 0x7e0 } })
      const waiting = await api('POST', '/api/v1/commands', { vin, ttl: '1h', diagnostic: { request: { kind: 'obd_vehicle_info', infoType: 0x02 }, target: 0x7e0 } })
      t.equal(waiting.json.state, 'queued', 'kept for the vehicle, not refused')
      const expired = await answered(late.json.id)
      t.equal(expired.command.state, 'expired')
      t.same(expired.diagnosis.answers, [], 'no answer invented')
      await start(vin, { secret })
      const read = await answered(waiting.json.id)
      t.equal(read.command.state, 'succeeded')
      t.equal(read.diagnosis.answers[0]?.decoded.vehicleInfo?.vin, vin, 'answered once it connected')
    })

    t.test('answers a T-box sends as ISO-TP frames are reassembled', async (t) => {
      const framed = await start('WPWDGN00000000002', { faults: ['mil'], isoTpFrames: true })
      const vin = await ask(framed.vin, { request: { kind: 'obd_vehicle_info', infoType: 0x02 }, target: 0x7e0 })
      t.equal(vin.command.state, 'succeeded')
      t.equal(vin.diagnosis.answers[0]?.decoded.vehicleInfo?.vin, framed.vin, 'the VIN, 20 bytes in 3 frames')
    })
  })
}
