/**
 * A decoded batch -> the rows Pitwall stores beside the raw archive: signal
 * samples (from OBD-II responses and edge-decoded signals), GNSS fixes in SI
 * units, and DTC records. CAN frames are not expanded here: they stay in the
 * raw batch, and DBC decoding feeds the rules, not this table.
 *
 * A value that is not a reading is left out of the rows (so neither storage
 * nor the rules see it) and counted by reason in `rejected`: an edge-decoded
 * NaN or ±Infinity, one outside its catalog signal's declared range, an id
 * the catalog lacks, a GNSS fix outside its fields' ranges. The raw batch
 * keeps them all.
 */
import type { pitwall } from '../proto/index.js'
import type { DecodedBatch } from './batch.js'
import { MAX_PID_FIELDS, mode01Pid } from './obd/pids.js'
import { noRejections, type SampleRejections } from './sample-rejections.js'
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
  /** values left out of the rows, by source and reason (CAN's are added by whoever decodes the frames) */
  rejected: SampleRejections
}

const OBD_MODE_CURRENT_DATA = 0x01
/** one scratch array for every PID decode: OBD responses allocate nothing per value */
const pidValues = new Float64Array(MAX_PID_FIELDS)

const BUILT_IN = new SignalCatalog()

/** GNSS bounds: WGS-84 degrees * 1e7, and the ranges proto/telemetry.proto documents. */
const MAX_LAT_E7 = 900_000_000
const MAX_LON_E7 = 1_800_000_000
const MAX_HEADING_CDEG = 35_999
/** UBX and NMEA report the count in a byte; more is garbage */
const MAX_SATELLITES = 255

/** `catalog`: the ids edge-decoded signals may carry (the built-in ones, and those manifests added) and their ranges. */
export function telemetryRows (batch: DecodedBatch, catalog: Pick<SignalCatalog, 'hasId' | 'inRange'> = BUILT_IN): TelemetryRows {
  const base = batch.baseTimeUs
  const samples: SampleColumns = { timeUs: [], signalId: [], value: [] }
  const rejected = noRejections()
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
      if (signalId < 0) continue
      // NaN is "not applicable" (e.g. an unsupported monitor): counted, not a sample
      if (Number.isNaN(value)) {
        rejected.obdNotApplicable++
        continue
      }
      samples.timeUs.push(base + (r.dtUs ?? 0))
      samples.signalId.push(signalId)
      samples.value.push(value)
      stored++
    }
    if (stored === 0) undecodedObd++
  }
  const block = batch.signals
  if (block !== null) {
    const ids = block.signalId ?? []
    const dt = block.dtUs ?? []
    const values = block.value ?? []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number
      const value = values[i] as number
      if (!catalog.hasId(id)) {
        rejected.edgeUnknownSignal++
      } else if (!catalog.inRange(id, value)) {
        if (Number.isFinite(value)) rejected.edgeOutOfRange++
        else rejected.edgeNonFinite++
      } else {
        samples.timeUs.push(base + (dt[i] as number))
        samples.signalId.push(id)
        samples.value.push(value)
      }
    }
  }
  const gnss: GnssRow[] = []
  for (const g of batch.gnss) {
    if (!gnssInRange(g)) {
      rejected.gnssOutOfRange++
      continue
    }
    gnss.push({
      timeUs: base + (g.dtUs ?? 0),
      lat: (g.latE7 ?? 0) / 1e7,
      lon: (g.lonE7 ?? 0) / 1e7,
      speedMps: (g.speedCms ?? 0) / 100,
      headingDeg: (g.headingCdeg ?? 0) / 100,
      altM: (g.altCm ?? 0) / 100,
      hdop: (g.hdopC ?? 0) / 100,
      satellites: g.satellites ?? 0
    })
  }
  const dtcs = batch.dtc.map((d): DtcRow => ({
    timeUs: base + (d.dtUs ?? 0),
    ecu: d.ecu ?? 0,
    dtc: d.dtc ?? 0,
    status: d.status ?? 0
  }))
  return { samples, gnss, dtcs, undecodedObd, rejected }
}

/**
 * A fix is stored whole or not at all: gnss_fixes has no way to flag one
 * field, and a fix with a position outside WGS-84 (a receiver before its
 * first lock, a firmware's sign bug) would put the vehicle where no one can
 * reach it. Speed, hdop and altitude are unsigned or any int32: all fit.
 */
function gnssInRange (g: pitwall.v1.IGnssFix): boolean {
  return Math.abs(g.latE7 ?? 0) <= MAX_LAT_E7 && Math.abs(g.lonE7 ?? 0) <= MAX_LON_E7 &&
    (g.headingCdeg ?? 0) <= MAX_HEADING_CDEG && (g.satellites ?? 0) <= MAX_SATELLITES
}
