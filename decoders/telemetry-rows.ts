/**
 * A decoded batch -> the rows Pitwall stores beside the raw archive: signal
 * samples (from OBD-II responses and edge-decoded signals), GNSS fixes in SI
 * units, and DTC records. CAN frames are not expanded here: they stay in the
 * raw batch, and DBC decoding feeds the rules, not this table.
 */
import type { DecodedBatch } from './batch.js'
import { MAX_PID_FIELDS, mode01Pid } from './obd/pids.js'
import { SignalCatalog } from './signal-catalog.js'

export interface SampleColumns {
  timeUs: number[]
  signalId: number[]
  value: number[]
}

export interface GnssRow {
  timeUs: number
  lat: number
  lon: number
  speedMps: number
  headingDeg: number
  altM: number
  hdop: number
  satellites: number
}

export interface DtcRow {
  timeUs: number
  ecu: number
  dtc: number
  status: number
}

export interface TelemetryRows {
  samples: SampleColumns
  gnss: GnssRow[]
  dtcs: DtcRow[]
  /** OBD responses with no PID stored as a catalog signal, or too short for their formula */
  undecodedObd: number
  /** edge-decoded samples whose signal id is not in the catalog */
  unknownSignals: number
}

const OBD_MODE_CURRENT_DATA = 0x01
/** one scratch array for every PID decode: OBD responses allocate nothing per value */
const pidValues = new Float64Array(MAX_PID_FIELDS)

const BUILT_IN = new SignalCatalog()

/** `catalog`: the ids edge-decoded signals may carry (the built-in ones, and those manifests added). */
export function telemetryRows (batch: DecodedBatch, catalog: Pick<SignalCatalog, 'hasId'> = BUILT_IN): TelemetryRows {
  const base = batch.baseTimeUs
  const samples: SampleColumns = { timeUs: [], signalId: [], value: [] }
  let undecodedObd = 0
  for (const r of batch.obd) {
    const pid = r.mode === OBD_MODE_CURRENT_DATA ? mode01Pid(r.pid ?? 0) : undefined
    const data = r.data ?? new Uint8Array(0)
    if (pid === undefined || data.length < pid.bytes) {
      undecodedObd++
      continue
    }
    pid.decode(data, pidValues, 0)
    let stored = 0
    for (let f = 0; f < pid.signalIds.length; f++) {
      const signalId = pid.signalIds[f] as number
      const value = pidValues[f] as number
      // NaN is "not applicable" (e.g. an unsupported monitor), not a sample
      if (signalId < 0 || Number.isNaN(value)) continue
      samples.timeUs.push(base + (r.dtUs ?? 0))
      samples.signalId.push(signalId)
      samples.value.push(value)
      stored++
    }
    if (stored === 0) undecodedObd++
  }
  let unknownSignals = 0
  const block = batch.signals
  if (block !== null) {
    const ids = block.signalId ?? []
    const dt = block.dtUs ?? []
    const values = block.value ?? []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number
      const value = values[i] as number
      if (!catalog.hasId(id) || !Number.isFinite(value)) {
        unknownSignals++
        continue
      }
      samples.timeUs.push(base + (dt[i] as number))
      samples.signalId.push(id)
      samples.value.push(value)
    }
  }
  const gnss = batch.gnss.map((g): GnssRow => ({
    timeUs: base + (g.dtUs ?? 0),
    lat: (g.latE7 ?? 0) / 1e7,
    lon: (g.lonE7 ?? 0) / 1e7,
    speedMps: (g.speedCms ?? 0) / 100,
    headingDeg: (g.headingCdeg ?? 0) / 100,
    altM: (g.altCm ?? 0) / 100,
    hdop: (g.hdopC ?? 0) / 100,
    satellites: g.satellites ?? 0
  }))
  const dtcs = batch.dtc.map((d): DtcRow => ({
    timeUs: base + (d.dtUs ?? 0),
    ecu: d.ecu ?? 0,
    dtc: d.dtc ?? 0,
    status: d.status ?? 0
  }))
  return { samples, gnss, dtcs, undecodedObd, unknownSignals }
}
