/**
 * The simulated vehicle's ECUs answering one diagnostic request, as a T-box
 * would collect their answers on the bus for a remote diagnosis: UDS
 * (ISO 14229-1) 0x14, 0x19 and 0x22, and OBD-II (SAE J1979) services 01,
 * 03, 04, 07, 09 and 0A, from the vehicle model's state and DTCs. Answers
 * are whole messages (the T-box reassembles ISO-TP), in bus order.
 *
 * Two ECUs, both OBD-relevant on a plug-in hybrid, so both hear the OBD
 * functional id 0x7DF (ISO 15765-4):
 *   engine ECM    0x7E0 → 0x7E8  the model's DTCs (mil fault), freeze frames, engine PIDs
 *   hybrid BECM   0x7E4 → 0x7EC  the HV battery: PID 0x5B, a cell-voltage DID, no DTCs of its own
 */
import { ENGINE_ECU, mode01Response, POLLED_PIDS } from './obd-responder.js'
import { encodeDtc } from './dtc.js'
import { vehicleSeed } from './prng.js'
import type { FreezeFrame, VehicleModel, VehicleState } from './vehicle-model.js'

/** What the ECUs read and change: a T-box's VIN and its vehicle model (a sim/tbox.ts Tbox is one). */
export interface DiagnosedVehicle {
  readonly vin: string
  readonly model: VehicleModel
}

export interface DiagnosticAnswer {
  /** 11-bit response id of the ECU that answered */
  readonly ecu: number
  readonly data: Uint8Array
}

export interface SimulatedEcu {
  readonly name: string
  /** 11-bit physical request id */
  readonly requestId: number
  /** 11-bit response id (request id + 8, ISO 15765-4) */
  readonly responseId: number
  /** service 01 PIDs it answers (besides the supported-PID bitmaps) */
  readonly pids: readonly number[]
  /** 0x22 data identifiers it answers */
  readonly dids: readonly number[]
}

/** ISO 15765-4: the functional request id every OBD-II ECU listens to. */
const FUNCTIONAL_REQUEST_ID = 0x7df

interface Ecu extends SimulatedEcu {
  /** the vehicle model's DTCs are this ECU's (the MIL fault is an engine fault) */
  readonly ownsDtcs: boolean
  readonly partNumber: string
  readonly systemName: string
  /** SAE J1979 calibration id: at most 16 characters */
  readonly calibrationId: string
  /** service 09 InfoTypes it answers */
  readonly infoTypes: readonly number[]
  /** maker-specific DIDs: data from the state */
  readonly ownDids: ReadonlyMap<number, (s: VehicleState) => number[]>
}

const byte = (v: number): number => Math.min(255, Math.max(0, Math.round(v)))
const word = (v: number): number[] => {
  const raw = Math.min(0xffff, Math.max(0, Math.round(v)))
  return [raw >> 8, raw & 0xff]
}

/** PIDs obd-responder.ts does not encode. SAE J1979: 0x04 load and 0x5B hybrid battery remaining are 100A/255 %. */
const EXTRA_PIDS: ReadonlyMap<number, (s: VehicleState) => Uint8Array> = new Map([
  [0x04, (s: VehicleState) => Uint8Array.of(byte((s.engineLoadPct * 255) / 100))],
  [0x5b, (s: VehicleState) => Uint8Array.of(byte((s.hvSocPct * 255) / 100))]
])

const ENGINE: Ecu = {
  name: 'engine control module (ECM)',
  requestId: 0x7e0,
  responseId: ENGINE_ECU,
  pids: [0x04, ...POLLED_PIDS],
  // the identification DIDs and each PID as its OBD DID 0xF4xx (ISO 14229-1 C.1)
  dids: [0xf187, 0xf18c, 0xf190, 0xf197, ...[0x04, ...POLLED_PIDS].map((pid) => 0xf400 + pid)],
  ownsDtcs: true,
  partNumber: 'PW-ECM-10421',
  systemName: 'ECM 1.4 PHEV',
  calibrationId: 'PWECM1042CAL0003',
  infoTypes: [0x02, 0x04, 0x06],
  ownDids: new Map()
}

const BATTERY: Ecu = {
  name: 'hybrid battery energy control module (BECM)',
  requestId: 0x7e4,
  responseId: 0x7ec,
  pids: [0x5b],
  dids: [0xf187, 0xf18c, 0xf190, 0xf197, 0xf45b, 0x4001],
  ownsDtcs: false,
  partNumber: 'PW-BMS-20963',
  systemName: 'BECM 96S NMC',
  calibrationId: 'PWBMS2096CAL0001',
  infoTypes: [0x04, 0x06],
  // 0x4001 (the maker's): highest and lowest cell voltage in mV, the lowest cell's number
  ownDids: new Map([[0x4001, (s: VehicleState) => [...word(s.cellVoltageMaxV * 1000), ...word(s.cellVoltageMinV * 1000), byte(s.cellVoltageMinIndex)]]])
}

const ECUS: readonly Ecu[] = [ENGINE, BATTERY]

/** The simulated ECUs, for documentation and for a T-box's target ids. */
export const SIMULATED_ECUS: readonly SimulatedEcu[] = ECUS.map(({ name, requestId, responseId, pids, dids }) => ({ name, requestId, responseId, pids, dids }))

/** The codes sim/vehicle-model.ts's mil fault sets: the engine's supported DTCs, stored or not. */
const ENGINE_DTCS = ['P0301', 'P0128'].map((code) => encodeDtc(code))

/** ISO 14229-1 D.2: every status bit is supported. */
const STATUS_AVAILABILITY_MASK = 0xff
/** The one snapshot record the engine keeps per DTC, and its data identifiers (OBD DIDs: coolant, load, rpm, speed, odometer). */
const SNAPSHOT_RECORD = 0x01
const SNAPSHOT_PIDS = [0x05, 0x04, 0x0c, 0x0d, 0xa6]
/** The extended data record holding the occurrence counter (the record number is the maker's choice; 1 byte). */
const OCCURRENCE_RECORD = 0x01

/**
 * ISO 14229-1 7.5: to a functional request an ECU does not send these
 * refusals (everyone would, for a service only one ECU offers); it stays silent.
 */
const SILENT_WHEN_FUNCTIONAL = new Set([0x11, 0x12, 0x31, 0x7e, 0x7f])

/**
 * Every answer to `request` sent to CAN id `target`: 0x7DF reaches every
 * ECU, a physical request id one ECU; an id no ECU has gets no answer (the
 * T-box reports a timeout). An ECU may answer twice: NRC 0x78 (response
 * pending) before its answer to a clear.
 */
export function answerDiagnosticRequest (target: number, request: Uint8Array, vehicle: DiagnosedVehicle): DiagnosticAnswer[] {
  if (request.length === 0) return []
  const functional = target === FUNCTIONAL_REQUEST_ID
  const ecus = functional ? ECUS : ECUS.filter((e) => e.requestId === target)
  return ecus.flatMap((ecu) => answer(ecu, request, vehicle, functional).map((data) => ({ ecu: ecu.responseId, data })))
}

function answer (ecu: Ecu, request: Uint8Array, vehicle: DiagnosedVehicle, functional: boolean): Uint8Array[] {
  const sid = request[0] as number
  const refuse = (nrc: number): Uint8Array[] => functional && SILENT_WHEN_FUNCTIONAL.has(nrc) ? [] : [Uint8Array.of(0x7f, sid, nrc)]
  const s = vehicle.model.state
  switch (sid) {
    case 0x01: {
      if (request.length < 2 || request.length > 7) return refuse(0x13)
      const out = [0x41]
      for (const pid of request.subarray(1)) {
        const data = pidData(ecu, pid, s)
        if (data !== undefined) out.push(pid, ...data)
      }
      // SAE J1979: an ECU that supports none of the PIDs asked does not answer
      return out.length > 1 ? [Uint8Array.from(out)] : []
    }
    case 0x03: case 0x07: case 0x0a: {
      if (request.length !== 1) return refuse(0x13)
      // 03 confirmed, 07 pending (a confirmed DTC stays pending until a cycle passes), 0A permanent: confirmed with the MIL on.
      // The sim keeps no permanent memory across a clear, which a real ECU would.
      const bits = sid === 0x03 ? 0x08 : sid === 0x07 ? 0x04 : 0x88
      const dtcs = storedDtcs(ecu, s).filter((d) => (d.status & bits) === bits).map((d) => d.dtc >> 8)
      // ISO 15765-4: the count, then each 2-byte DTC
      return [Uint8Array.from([sid + 0x40, dtcs.length, ...dtcs.flatMap((d) => [d >> 8, d & 0xff])])]
    }
    case 0x04:
      if (request.length !== 1) return refuse(0x13)
      // SAE J1979 allows NRC 0x22 where clearing is unsafe; the sim refuses while moving
      if (s.speedKmh > 0) return refuse(0x22)
      if (ecu.ownsDtcs) vehicle.model.clearDiagnosticInformation()
      return [Uint8Array.of(0x44)]
    case 0x09:
      return vehicleInfo(ecu, request, vehicle, refuse)
    case 0x14: {
      if (request.length !== 4) return refuse(0x13)
      const group = u24(request, 1)
      // ISO 14229-1 D.1: all groups, or the emissions-related ones (every DTC here is)
      if (group !== 0xffffff && group !== 0xffff33) return refuse(0x31)
      if (s.speedKmh > 0) return refuse(0x22)
      if (!ecu.ownsDtcs) return [Uint8Array.of(0x54)]
      vehicle.model.clearDiagnosticInformation()
      // erasing non-volatile memory outlasts P2 (50 ms): the ECU asks the tester to wait first
      return [Uint8Array.of(0x7f, 0x14, 0x78), Uint8Array.of(0x54)]
    }
    case 0x19:
      return readDtcInformation(ecu, request, s, refuse)
    case 0x22: {
      if (request.length < 3 || (request.length - 1) % 2 !== 0) return refuse(0x13)
      const out = [0x62]
      for (let i = 1; i < request.length; i += 2) {
        const did = ((request[i] as number) << 8) | (request[i + 1] as number)
        const data = didData(ecu, did, vehicle)
        if (data !== undefined) out.push(did >> 8, did & 0xff, ...data)
      }
      // ISO 14229-1 10.2: the DIDs it knows are answered, the others left out; none known is requestOutOfRange
      return out.length > 1 ? [Uint8Array.from(out)] : refuse(0x31)
    }
    default:
      return refuse(0x11)
  }
}

function pidData (ecu: Ecu, pid: number, s: VehicleState): Uint8Array | undefined {
  if (pid % 0x20 === 0) return supportedBitmap(ecu.pids, pid)
  if (!ecu.pids.includes(pid)) return undefined
  return EXTRA_PIDS.get(pid)?.(s) ?? mode01Response(pid, s)
}

/**
 * SAE J1979 PID 0x00, 0x20 …: bit A7 is base+1 … D0 is base+0x20, which
 * says the next bitmap is supported too. An ECU with nothing above `base`
 * does not support that bitmap.
 */
function supportedBitmap (supported: readonly number[], base: number): Uint8Array | undefined {
  if (!supported.some((n) => n > base)) return undefined
  let bits = 0
  for (let n = base + 1; n <= base + 0x20; n++) {
    const inRange = n === base + 0x20 ? supported.some((m) => m > base + 0x20) || supported.includes(n) : supported.includes(n)
    if (inRange) bits |= 1 << (base + 0x20 - n)
  }
  return Uint8Array.of(bits >>> 24, (bits >>> 16) & 0xff, (bits >>> 8) & 0xff, bits & 0xff)
}

function storedDtcs (ecu: Ecu, s: VehicleState): VehicleState['dtcs'] {
  return ecu.ownsDtcs ? s.dtcs : []
}

function readDtcInformation (ecu: Ecu, request: Uint8Array, s: VehicleState, refuse: (nrc: number) => Uint8Array[]): Uint8Array[] {
  if (request.length < 2) return refuse(0x13)
  const reportType = request[1] as number
  switch (reportType) {
    case 0x02: {
      if (request.length !== 3) return refuse(0x13)
      const mask = request[2] as number
      const records = storedDtcs(ecu, s).filter((d) => (d.status & mask) !== 0).flatMap((d) => [...dtcBytes(d.dtc), d.status])
      return [Uint8Array.from([0x59, 0x02, STATUS_AVAILABILITY_MASK, ...records])]
    }
    case 0x04:
    case 0x06: {
      if (request.length !== 6) return refuse(0x13)
      const dtc = u24(request, 2)
      const record = request[5] as number
      // a DTC this ECU can never set is out of range; one it can but has not stored answers with status 0 and no records
      if (!(ecu.ownsDtcs && ENGINE_DTCS.includes(dtc))) return refuse(0x31)
      const stored = storedDtcs(ecu, s).find((d) => d.dtc === dtc)
      const header = [0x59, reportType, ...dtcBytes(dtc), stored?.status ?? 0]
      if (reportType === 0x04) {
        if (record !== SNAPSHOT_RECORD && record !== 0xff) return refuse(0x31)
        const frame = stored?.freezeFrame
        return [Uint8Array.from(frame === undefined ? header : [...header, SNAPSHOT_RECORD, ...snapshot(s, frame)])]
      }
      // 0xFE asks the OBD records (0x90-0xEF): the sim keeps none
      if (record !== OCCURRENCE_RECORD && record !== 0xff && record !== 0xfe) return refuse(0x31)
      // the sim's faults fail without pause, so a stored DTC has occurred once since the last clear
      const occurrences = stored !== undefined && record !== 0xfe ? [OCCURRENCE_RECORD, 1] : []
      return [Uint8Array.from([...header, ...occurrences])]
    }
    default:
      return refuse(0x12)
  }
}

/** DTCSnapshotRecordNumberOfIdentifiers, then each OBD DID with the PID's data at the time the DTC was confirmed. */
function snapshot (s: VehicleState, frame: FreezeFrame): number[] {
  const then: VehicleState = { ...s, ...frame }
  return [SNAPSHOT_PIDS.length, ...SNAPSHOT_PIDS.flatMap((pid) => {
    const did = 0xf400 + pid
    return [did >> 8, did & 0xff, ...(EXTRA_PIDS.get(pid)?.(then) ?? mode01Response(pid, then))]
  })]
}

function didData (ecu: Ecu, did: number, vehicle: DiagnosedVehicle): number[] | undefined {
  if (!ecu.dids.includes(did)) return undefined
  const s = vehicle.model.state
  switch (did) {
    case 0xf187: return ascii(ecu.partNumber)
    // a serial per vehicle and ECU, stable across runs
    case 0xf18c: return ascii(`${ecu.systemName.slice(0, 3)}${vehicle.vin.slice(-8)}`)
    case 0xf190: return ascii(vehicle.vin)
    case 0xf197: return ascii(ecu.systemName)
  }
  if (did >= 0xf400 && did <= 0xf4ff) {
    const data = pidData(ecu, did - 0xf400, s)
    return data === undefined ? undefined : Array.from(data)
  }
  return ecu.ownDids.get(did)?.(s)
}

function vehicleInfo (ecu: Ecu, request: Uint8Array, vehicle: DiagnosedVehicle, refuse: (nrc: number) => Uint8Array[]): Uint8Array[] {
  if (request.length !== 2) return refuse(0x13)
  const infoType = request[1] as number
  // InfoType bitmaps carry no NODI byte (SAE J1979), the items do
  if (infoType % 0x20 === 0) {
    const bitmap = supportedBitmap(ecu.infoTypes, infoType)
    return bitmap === undefined ? [] : [Uint8Array.from([0x49, infoType, ...bitmap])]
  }
  if (!ecu.infoTypes.includes(infoType)) return []
  let item: number[]
  switch (infoType) {
    // the whole multi-frame answer: the T-box reassembled it
    case 0x02: item = ascii(vehicle.vin); break
    // SAE J1979: 16 bytes, a shorter id padded with 0x00
    case 0x04: item = [...ascii(ecu.calibrationId), ...new Array<number>(16 - ecu.calibrationId.length).fill(0)]; break
    // stands in for the checksum over the calibration: stable per calibration id
    case 0x06: {
      const cvn = vehicleSeed(0, ecu.calibrationId)
      item = [cvn >>> 24, (cvn >>> 16) & 0xff, (cvn >>> 8) & 0xff, cvn & 0xff]
      break
    }
    default: return []
  }
  return [Uint8Array.from([0x49, infoType, 1, ...item])]
}

function dtcBytes (dtc: number): number[] {
  return [dtc >> 16, (dtc >> 8) & 0xff, dtc & 0xff]
}

function u24 (bytes: Uint8Array, i: number): number {
  return ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
}

function ascii (text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0))
}
