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
import type { DecodedBatch } from './batch.js'
import type { GnssFixes } from './batch-entries.js'
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
  const obd = batch.obd
  for (let r = 0; r < obd.count; r++) {
    const pid = obd.mode[r] === OBD_MODE_CURRENT_DATA ? mode01Pid(obd.pid[r] as number) : undefined
    const offset = obd.dataOffset[r] as number
    const length = obd.dataLength[r] as number
    if (pid === undefined || length < pid.bytes) {
      undecodedObd++
      continue
    }
    pid.decode(obd.data.subarray(offset, offset + length), pidValues, 0)
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
      samples.timeUs.push(base + (obd.dtUs[r] as number))
      samples.signalId.push(signalId)
      samples.value.push(value)
      stored++
    }
    if (stored === 0) undecodedObd++
  }
  const block = batch.signals
  for (let i = 0; i < block.count; i++) {
    const id = block.signalId[i] as number
    const value = block.value[i] as number
    if (!catalog.hasId(id)) {
      rejected.edgeUnknownSignal++
    } else if (!catalog.inRange(id, value)) {
      if (Number.isFinite(value)) rejected.edgeOutOfRange++
      else rejected.edgeNonFinite++
    } else {
      samples.timeUs.push(base + (block.dtUs[i] as number))
      samples.signalId.push(id)
      samples.value.push(value)
    }
  }
  const gnss: GnssRow[] = []
  const fixes = batch.gnss
  for (let i = 0; i < fixes.count; i++) {
    if (!gnssInRange(fixes, i)) {
      rejected.gnssOutOfRange++
      continue
    }
    gnss.push({
      timeUs: base + (fixes.dtUs[i] as number),
      lat: (fixes.latE7[i] as number) / 1e7,
      lon: (fixes.lonE7[i] as number) / 1e7,
      speedMps: (fixes.speedCms[i] as number) / 100,
      headingDeg: (fixes.headingCdeg[i] as number) / 100,
      altM: (fixes.altCm[i] as number) / 100,
      hdop: (fixes.hdopC[i] as number) / 100,
      satellites: fixes.satellites[i] as number
    })
  }
  const records = batch.dtc
  const dtcs: DtcRow[] = []
  for (let i = 0; i < records.count; i++) {
    dtcs.push({
      timeUs: base + (records.dtUs[i] as number),
      ecu: records.ecu[i] as number,
      dtc: records.dtc[i] as number,
      status: records.status[i] as number
    })
  }
  return { samples, gnss, dtcs, undecodedObd, rejected }
}

/**
 * A fix is stored whole or not at all: gnss_fixes has no way to flag one
 * field, and a fix with a position outside WGS-84 (a receiver before its
 * first lock, a firmware's sign bug) would put the vehicle where no one can
 * reach it. Speed, hdop and altitude are unsigned or any int32: all fit.
 */
function gnssInRange (g: GnssFixes, i: number): boolean {
  return Math.abs(g.latE7[i] as number) <= MAX_LAT_E7 && Math.abs(g.lonE7[i] as number) <= MAX_LON_E7 &&
    (g.headingCdeg[i] as number) <= MAX_HEADING_CDEG && (g.satellites[i] as number) <= MAX_SATELLITES
}
