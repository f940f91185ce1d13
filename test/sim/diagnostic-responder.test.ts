import t from 'tap'
import { buildDiagnosticRequest, type DiagnosticRequestSpec } from '../../decoders/diagnostics/request.js'
import { decodeDiagnosticResponse, finalResponse, type DecodedDiagnosticResponse } from '../../decoders/diagnostics/response.js'
import { answerDiagnosticRequest, SIMULATED_ECUS, type DiagnosedVehicle } from '../../sim/diagnostic-responder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

const VIN = 'WPW0SIM0000000042'
const ENGINE_REQUEST = 0x7e0
const ENGINE = 0x7e8
const BATTERY = 0x7ec
const FUNCTIONAL = 0x7df

/** A vehicle with the mil fault, driven until `until` holds (1 s steps, at most 30 min). */
function vehicle (until: (v: VehicleModel) => boolean): DiagnosedVehicle {
  const model = new VehicleModel({ seed: 11, faults: ['mil'] })
  for (let i = 0; i < 1800 && !until(model); i++) model.step(1)
  if (!until(model)) throw new Error('the drive never reached the state the test needs')
  return { vin: VIN, model }
}

/** The DTC confirmed, and (confirmation comes at most 90 s into the drive) well over 30 s ago. */
const confirmed = (m: VehicleModel): boolean => ((m.state.dtcs[0]?.status ?? 0) & 0x08) !== 0 && m.state.timeS > 120

/** The request on the bus, every ECU's final answer decoded. */
function ask (v: DiagnosedVehicle, target: number, spec: DiagnosticRequestSpec, options?: Parameters<typeof decodeDiagnosticResponse>[2]): Map<number, DecodedDiagnosticResponse> {
  const request = buildDiagnosticRequest(spec)
  const byEcu = new Map<number, Uint8Array[]>()
  for (const a of answerDiagnosticRequest(target, request, v)) byEcu.set(a.ecu, [...(byEcu.get(a.ecu) ?? []), a.data])
  const out = new Map<number, DecodedDiagnosticResponse>()
  for (const [ecu, answers] of byEcu) {
    const final = finalResponse(answers)
    if (final !== undefined) out.set(ecu, decodeDiagnosticResponse(request, final, options))
  }
  return out
}

t.test('read DTCs, then their snapshot and extended data: the round trip an engineer makes', async (t) => {
  const v = vehicle(confirmed)
  const [stored] = v.model.state.dtcs
  if (stored?.freezeFrame === undefined) throw new Error('the confirmed DTC has no freeze frame')
  const frame = stored.freezeFrame

  const dtcs = ask(v, ENGINE_REQUEST, { kind: 'uds_read_dtcs' }).get(ENGINE)
  t.same(dtcs?.dtcs?.map((d) => [d.code, d.status]), [[stored.code, stored.status]], 'the model\'s DTC with its status byte')
  t.equal(dtcs?.summary, `1 DTC: ${stored.code} confirmed`)
  t.ok(dtcs?.dtcs?.[0]?.statusFlags?.includes('warningIndicatorRequested'), 'MIL requested')

  const snapshot = ask(v, ENGINE_REQUEST, { kind: 'uds_dtc_snapshot', dtc: stored.code }).get(ENGINE)
  const values = Object.fromEntries((snapshot?.snapshot?.records[0]?.dids ?? []).map((d) => [d.name, d.values?.[0]?.value]))
  t.same(values, {
    'Engine coolant temperature': Math.round(frame.coolantC),
    'Calculated engine load': Math.round((frame.engineLoadPct * 255) / 100) * 100 / 255,
    'Engine speed': Math.round(frame.engineRpm * 4) / 4,
    'Vehicle speed': Math.round(frame.speedKmh),
    Odometer: Math.round(frame.odometerKm * 10) / 10
  }, 'the conditions when the DTC was first confirmed, not now')
  t.ok(v.model.state.timeS - frame.timeS > 30, `frozen ${(v.model.state.timeS - frame.timeS).toFixed(0)} s before the request`)
  t.match(snapshot?.summary, new RegExp(`^${stored.code} confirmed: snapshot record 0x01: Engine coolant temperature -?\\d+ degC`))

  const extended = ask(v, ENGINE_REQUEST, { kind: 'uds_dtc_extended', dtc: stored.code }, { extendedDataLengths: new Map([[0x01, 1]]) }).get(ENGINE)
  t.same(extended?.extendedData?.records, [{ recordNumber: 1, hex: '01' }], 'occurrence counter: once')
})

t.test('a DTC still pending has no snapshot yet; one the ECU cannot set is out of range', async (t) => {
  const v = vehicle((m) => m.state.dtcs[0]?.status !== undefined && (m.state.dtcs[0].status & 0x08) === 0)
  const code = v.model.state.dtcs[0]?.code as string
  const snapshot = ask(v, ENGINE_REQUEST, { kind: 'uds_dtc_snapshot', dtc: code }).get(ENGINE)
  t.same({ ok: snapshot?.ok, records: snapshot?.snapshot?.records, summary: snapshot?.summary }, { ok: true, records: [], summary: `${code} pending: no snapshot stored` })
  t.equal(ask(v, ENGINE_REQUEST, { kind: 'uds_dtc_snapshot', dtc: 'P0420' }).get(ENGINE)?.negative?.name, 'requestOutOfRange')
})

t.test('clearing DTCs: refused while driving, done at a standstill, and the unrepaired fault comes back', async (t) => {
  const driving = vehicle((m) => confirmed(m) && m.state.speedKmh > 5)
  const refused = ask(driving, ENGINE_REQUEST, { kind: 'uds_clear_dtcs' }).get(ENGINE)
  t.same(refused?.negative, {
    service: 0x14,
    nrc: 0x22,
    name: 'conditionsNotCorrect',
    text: 'conditions not correct: the ECU cannot do this now (e.g. engine running, vehicle moving)'
  })
  t.equal(driving.model.state.dtcs.length, 1, 'nothing cleared')
  t.equal(ask(driving, FUNCTIONAL, { kind: 'obd_clear_dtcs' }).get(ENGINE)?.negative?.name, 'conditionsNotCorrect', 'OBD-II service 04 too')

  const stopped = vehicle((m) => confirmed(m) && m.state.speedKmh === 0)
  const raw = answerDiagnosticRequest(ENGINE_REQUEST, buildDiagnosticRequest({ kind: 'uds_clear_dtcs' }), stopped)
  t.same(raw.map((a) => [a.ecu, Array.from(a.data)]), [[ENGINE, [0x7f, 0x14, 0x78]], [ENGINE, [0x54]]], 'response pending while the ECU erases, then the answer')
  t.same(ask(stopped, ENGINE_REQUEST, { kind: 'uds_read_dtcs' }).get(ENGINE)?.dtcs, [], 'no DTCs right after the clear')
  t.equal(stopped.model.state.mil, false, 'MIL off')
  stopped.model.step(1)
  t.equal(ask(stopped, ENGINE_REQUEST, { kind: 'uds_read_dtcs' }).get(ENGINE)?.summary.endsWith(' pending'), true, 'the fault is still there: pending again')
})

t.test('data identifiers: known ones answered, unknown ones requestOutOfRange, functional requests stay silent about them', async (t) => {
  const v = vehicle(confirmed)
  const read = ask(v, ENGINE_REQUEST, { kind: 'uds_read_did', dids: [0xf190, 0xf40d] }).get(ENGINE)
  t.same(read?.dids?.map((d) => d.text ?? d.values?.[0]?.value), [VIN, Math.round(v.model.state.speedKmh)])
  const unknown = ask(v, ENGINE_REQUEST, { kind: 'uds_read_did', dids: [0x1234] }).get(ENGINE)
  t.same({ name: unknown?.negative?.name, raw: unknown?.raw }, { name: 'requestOutOfRange', raw: '7F 22 31' })
  t.same(answerDiagnosticRequest(FUNCTIONAL, buildDiagnosticRequest({ kind: 'uds_read_did', dids: [0x1234] }), v), [],
    'ISO 14229-1: no NRC 0x31 to a functional request')
  t.equal(ask(v, 0x7e4, { kind: 'uds_read_did', dids: [0x4001] }).get(BATTERY)?.dids?.[0]?.hex.split(' ').length, 5, 'the battery\'s own cell-voltage DID')
})

t.test('OBD-II on the functional id: every emissions ECU answers what it supports', async (t) => {
  const v = vehicle(confirmed)
  const s = v.model.state
  const pids = ask(v, FUNCTIONAL, { kind: 'obd_read_pids', pids: [0x05, 0x0d, 0x5b] })
  t.same(pids.get(ENGINE)?.pids?.map((p) => p.values[0]?.value), [Math.round(s.coolantC), Math.round(s.speedKmh)])
  t.same(pids.get(BATTERY)?.pids?.map((p) => p.pid), [0x5b], 'the battery module answers its PID only')
  t.same(ask(v, FUNCTIONAL, { kind: 'obd_vehicle_info', infoType: 0x02 }).get(ENGINE)?.vehicleInfo?.vin, VIN)
  const stored = ask(v, FUNCTIONAL, { kind: 'obd_dtcs', service: 0x03 })
  t.same([stored.get(ENGINE)?.dtcs?.map((d) => d.code), stored.get(BATTERY)?.summary], [[s.dtcs[0]?.code], 'no stored DTCs'])
  t.same([...ask(v, FUNCTIONAL, { kind: 'uds_read_dtcs' }).keys()], [ENGINE, BATTERY], 'UDS too')
})

t.test('an unsupported service is refused with serviceNotSupported; an ECU that does not exist never answers', async (t) => {
  const v = vehicle(confirmed)
  t.same(ask(v, ENGINE_REQUEST, { kind: 'raw', hex: '31 01 02 03' }).get(ENGINE)?.negative?.name, 'serviceNotSupported')
  t.same(answerDiagnosticRequest(FUNCTIONAL, buildDiagnosticRequest({ kind: 'raw', hex: '31 01 02 03' }), v), [], 'silent to a functional request')
  t.same(answerDiagnosticRequest(0x7e3, buildDiagnosticRequest({ kind: 'uds_read_dtcs' }), v), [], 'no ECU at 0x7E3: the T-box times out')
  t.same(SIMULATED_ECUS.map((e) => [e.requestId, e.responseId]), [[ENGINE_REQUEST, ENGINE], [0x7e4, BATTERY]])
})
