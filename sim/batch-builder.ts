/**
 * Builds the TelemetryBatch a T-box sends for one window of time: the CAN
 * frames the demo vehicle's ECUs put on the bus (each message at its
 * GenMsgCycleTime), OBD-II service 01 polls, DTCs, 1 Hz GNSS fixes and a few
 * edge-decoded signals, while stepping the vehicle model through the window.
 */
import { encodeMessage } from '../decoders/can/codec.js'
import type { CanDatabase, CanMessage, CanSignal } from '../decoders/can/model.js'
import { catalogSignalByName } from '../decoders/catalog.js'
import { pitwall } from '../proto/index.js'
import { demoMessageValues, loadDemoDatabase, type MessageValues } from './demo-ecu.js'
import { ENGINE_ECU, POLLED_PIDS, mode01Response } from './obd-responder.js'
import { PeriodicSchedule } from './periodic-schedule.js'
import { SeededRandom } from './prng.js'
import { checkSpeed } from './time-lapse.js'
import type { VehicleModel, VehicleState } from './vehicle-model.js'

export interface BatchBuilderOptions {
  vin: string
  model: VehicleModel
  /** Seeds the phases of the periodic schedules. */
  seed: number
  /** Defaults to sim/demo-vehicle.dbc. */
  database?: CanDatabase
  /** seq of the first batch; a restarted simulator passes where it left off. Default 1. */
  startSeq?: number
  firmware?: string
  /** How often the T-box polls the OBD-II PIDs. Default 500 ms. */
  obdPollMs?: number
  /** Vehicle seconds per second of batch time (sim/time-lapse.ts). Default 1. */
  speed?: number
}

export interface BuiltBatch {
  seq: number
  baseTimeUs: number
  batch: pitwall.v1.TelemetryBatch.$Properties
  payload: Uint8Array
  canFrames: number
}

export const DEFAULT_FIRMWARE = 'pitwall-sim/0.1.0'

/** The model is stepped at most this far between samples, so signals move within a long window. */
const SUBSTEP_US = 100_000
const GNSS_PERIOD_US = 1_000_000
/** Gap between successive OBD-II requests of one poll (ISO 15765-4 allows up to 50 ms for P2). */
const OBD_REQUEST_GAP_US = 8_000
/** A DTC is reported when its status changes, and again this often while it stays active. */
const DTC_REPEAT_US = 10_000_000

/** Signals the T-box decodes itself and sends in SignalBlock, by catalog name. */
const EDGE_SIGNALS: ReadonlyArray<readonly [string, (s: VehicleState) => number]> = [
  ['Vehicle.Powertrain.TractionBattery.CellVoltage.Max', (s) => s.cellVoltageMaxV],
  ['Vehicle.Powertrain.TractionBattery.CellVoltage.Min', (s) => s.cellVoltageMinV],
  ['Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure', (s) => s.tyrePressureKpa[0]],
  ['Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure', (s) => s.tyrePressureKpa[1]],
  ['Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure', (s) => s.tyrePressureKpa[2]],
  ['Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure', (s) => s.tyrePressureKpa[3]]
]

const EDGE_SIGNAL_IDS = EDGE_SIGNALS.map(([name]) => {
  const signal = catalogSignalByName(name)
  if (signal === undefined) throw new Error(`sim: signal ${name} is not in the catalog`)
  return signal.id
})

interface CanSchedule {
  message: CanMessage
  schedule: PeriodicSchedule
  /** The multiplexer switch and the pages it cycles through, one per frame. */
  switchName?: string
  pages: number[]
  sent: number
}

type Event =
  | { offsetUs: number, kind: 'can', can: CanSchedule }
  | { offsetUs: number, kind: 'obd', pid: number }
  | { offsetUs: number, kind: 'gnss' }

export class BatchBuilder {
  readonly vin: string
  readonly model: VehicleModel
  /** The version batches report; an OTA update changes it from the next batch. */
  firmware: string
  private seq: number
  private readonly can: CanSchedule[]
  private readonly obd: Array<{ pid: number, schedule: PeriodicSchedule }>
  private readonly gnss: PeriodicSchedule
  private readonly dtcReported = new Map<number, { status: number, atUs: number }>()
  private readonly speed: number

  constructor (options: BatchBuilderOptions) {
    this.vin = options.vin
    this.model = options.model
    this.firmware = options.firmware ?? DEFAULT_FIRMWARE
    this.seq = options.startSeq ?? 1
    if (!Number.isSafeInteger(this.seq) || this.seq < 1) throw new RangeError(`startSeq must be a positive integer, got ${this.seq}`)
    this.speed = checkSpeed(options.speed ?? 1)
    const random = new SeededRandom(options.seed)
    const database = options.database ?? loadDemoDatabase()
    this.can = database.messages
      .filter((m) => m.cycleTimeMs !== undefined)
      .map((message) => {
        const periodUs = (message.cycleTimeMs as number) * 1000
        return { message, schedule: new PeriodicSchedule(periodUs, random.int(0, periodUs - 1)), ...multiplexPages(message), sent: 0 }
      })
    const pollUs = (options.obdPollMs ?? 500) * 1000
    const pollPhase = random.int(0, pollUs - 1)
    this.obd = POLLED_PIDS.map((pid, i) => ({ pid, schedule: new PeriodicSchedule(pollUs, pollPhase + i * OBD_REQUEST_GAP_US) }))
    this.gnss = new PeriodicSchedule(GNSS_PERIOD_US, random.int(0, GNSS_PERIOD_US - 1))
  }

  /** seq the next batch will carry. */
  get nextSeq (): number {
    return this.seq
  }

  /**
   * The batch for [windowStartUs, windowStartUs + windowUs), stepping the
   * model to the window's end. At a speed above 1 the model covers that many
   * times the window, while the frames keep the bus's cycle times and the
   * window's own (wall-clock) times: a time-lapse of the vehicle in a normal
   * T-box stream.
   */
  build (windowStartUs: number, windowUs: number): BuiltBatch {
    const endUs = windowStartUs + windowUs
    const events: Event[] = []
    for (const can of this.can) {
      for (const offsetUs of can.schedule.due(windowStartUs, endUs)) events.push({ offsetUs, kind: 'can', can })
    }
    for (const { pid, schedule } of this.obd) {
      for (const offsetUs of schedule.due(windowStartUs, endUs)) events.push({ offsetUs, kind: 'obd', pid })
    }
    for (const offsetUs of this.gnss.due(windowStartUs, endUs)) events.push({ offsetUs, kind: 'gnss' })
    // Time order; at the same instant the lower CAN id wins arbitration (ISO 11898-1).
    events.sort((a, b) => a.offsetUs - b.offsetUs || eventPriority(a) - eventPriority(b))

    const frames = new CanFrames()
    const obd: pitwall.v1.ObdResponse.$Properties[] = []
    const dtc: pitwall.v1.DtcRecord.$Properties[] = []
    const gnss: pitwall.v1.GnssFix.$Properties[] = []
    const signals = { dtUs: [] as number[], signalId: [] as number[], value: [] as number[] }

    let stepStartUs = 0
    let values = demoMessageValues(this.model.state)
    const payloads = new Map<string, Uint8Array>()
    this.reportDtcs(0, windowStartUs, dtc)
    for (const event of events) {
      while (event.offsetUs >= stepStartUs + SUBSTEP_US) {
        this.model.step((SUBSTEP_US / 1e6) * this.speed)
        stepStartUs += SUBSTEP_US
        values = demoMessageValues(this.model.state)
        payloads.clear()
        this.reportDtcs(stepStartUs, windowStartUs, dtc)
      }
      const s = this.model.state
      switch (event.kind) {
        case 'can':
          frames.push(event.offsetUs, event.can.message, this.payload(event.can, values, payloads))
          break
        case 'obd':
          obd.push({ dtUs: event.offsetUs, mode: 0x01, pid: event.pid, data: mode01Response(event.pid, s), ecu: ENGINE_ECU })
          break
        case 'gnss':
          gnss.push(gnssFix(event.offsetUs, s))
          EDGE_SIGNALS.forEach(([, read], i) => {
            signals.dtUs.push(event.offsetUs)
            signals.signalId.push(EDGE_SIGNAL_IDS[i] as number)
            signals.value.push(read(s))
          })
          break
      }
    }
    if (windowUs > stepStartUs) this.model.step(((windowUs - stepStartUs) / 1e6) * this.speed)

    const batch: pitwall.v1.TelemetryBatch.$Properties = {
      vin: this.vin,
      seq: this.seq,
      baseTimeUs: windowStartUs,
      can: frames.count > 0 ? [frames.block(0)] : [],
      obd,
      dtc,
      gnss,
      signals: signals.dtUs.length > 0 ? signals : null,
      firmware: this.firmware
    }
    const built: BuiltBatch = {
      seq: this.seq,
      baseTimeUs: windowStartUs,
      batch,
      payload: pitwall.v1.TelemetryBatch.encode(batch).finish(),
      canFrames: frames.count
    }
    this.seq++
    return built
  }

  /** Payloads only change when the model steps, so one encode serves every repeat within a substep. */
  private payload (can: CanSchedule, values: MessageValues, cache: Map<string, Uint8Array>): Uint8Array {
    const page = can.pages.length > 0 ? can.pages[can.sent % can.pages.length] as number : 0
    can.sent++
    const key = `${can.message.frameId}/${page}`
    let payload = cache.get(key)
    if (payload === undefined) {
      const messageValues = values[can.message.name]
      if (messageValues === undefined) throw new Error(`sim: no ECU values for message ${can.message.name}`)
      payload = encodeMessage(can.message, can.switchName === undefined ? messageValues : { ...messageValues, [can.switchName]: page })
      cache.set(key, payload)
    }
    return payload
  }

  private reportDtcs (offsetUs: number, windowStartUs: number, out: pitwall.v1.DtcRecord.$Properties[]): void {
    const nowUs = windowStartUs + offsetUs
    for (const active of this.model.state.dtcs) {
      const last = this.dtcReported.get(active.dtc)
      if (last !== undefined && last.status === active.status && nowUs - last.atUs < DTC_REPEAT_US) continue
      out.push({ dtUs: offsetUs, dtc: active.dtc, status: active.status, ecu: ENGINE_ECU })
      this.dtcReported.set(active.dtc, { status: active.status, atUs: nowUs })
    }
  }
}

/** Columnar CAN frames of one bus, as CanBlock carries them. */
class CanFrames {
  private readonly dtUs: number[] = []
  private readonly id: number[] = []
  private readonly len: number[] = []
  private readonly chunks: Uint8Array[] = []
  private bytes = 0

  get count (): number {
    return this.dtUs.length
  }

  push (offsetUs: number, message: CanMessage, payload: Uint8Array): void {
    this.dtUs.push(offsetUs)
    // The DBC id already has bit 31 set for an extended frame: the CanBlock convention too.
    this.id.push(message.frameId)
    this.len.push(payload.length)
    this.chunks.push(payload)
    this.bytes += payload.length
  }

  block (bus: number): pitwall.v1.CanBlock.$Properties {
    const data = new Uint8Array(this.bytes)
    let at = 0
    for (const chunk of this.chunks) {
      data.set(chunk, at)
      at += chunk.length
    }
    return { bus, dtUs: this.dtUs, id: this.id, len: this.len, data }
  }
}

function multiplexPages (message: CanMessage): { switchName?: string, pages: number[] } {
  const switchSignal = message.signals.find((s: CanSignal) => s.isMultiplexer && s.multiplexedBy === undefined)
  if (switchSignal === undefined) return { pages: [] }
  const pages = new Set<number>()
  for (const s of message.signals) {
    if (s.multiplexedBy?.switchName === switchSignal.name) pages.add((s.multiplexedBy.ranges[0] as readonly [number, number])[0])
  }
  return { switchName: switchSignal.name, pages: [...pages].sort((a, b) => a - b) }
}

function eventPriority (event: Event): number {
  // CAN frames by id (extended ids after standard ones), then OBD, then GNSS
  if (event.kind === 'can') return event.can.message.id + (event.can.message.extended ? 0x800 : 0)
  return event.kind === 'obd' ? 0x4000_0000 : 0x4000_0001
}

function gnssFix (offsetUs: number, s: VehicleState): pitwall.v1.GnssFix.$Properties {
  return {
    dtUs: offsetUs,
    latE7: Math.round(s.position.lat * 1e7),
    lonE7: Math.round(s.position.lon * 1e7),
    speedCms: Math.round((s.speedKmh / 3.6) * 100),
    headingCdeg: Math.round(s.position.headingDeg * 100) % 36000,
    altCm: Math.round(s.position.altitudeM * 100),
    hdopC: Math.round(s.gnssHdop * 100),
    satellites: s.gnssSatellites
  }
}
