/**
 * A decoded batch -> the rows Pitwall stores beside the raw archive: signal
 * samples (from OBD-II responses and edge-decoded signals), GNSS fixes in SI
 * units, and DTC records. CAN frames are not expanded here: they stay in the
 * raw batch, and DBC decoding feeds the rules, not this table.
 */
import type { DecodedBatch } from './batch.js'
import { catalogSignalById } from './catalog.js'
import { mode01Pid } from './obd/pids.js'

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
  /** OBD responses with no mapped PID, or too short for their formula */
  undecodedObd: number
  /** edge-decoded samples whose signal id is not in the catalog */
  unknownSignals: number
}

const OBD_MODE_CURRENT_DATA = 0x01

export function telemetryRows (batch: DecodedBatch): TelemetryRows {
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
    samples.timeUs.push(base + (r.dtUs ?? 0))
    samples.signalId.push(pid.signalId)
    samples.value.push(pid.decode(data))
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
      if (catalogSignalById(id) === undefined || !Number.isFinite(value)) {
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
